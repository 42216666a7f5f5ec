package io.pulsarws.session.internal;

/** JMX view of one namespace's totals, {@code io.pulsarws:type=Namespace,name=tenant/namespace}. */
public interface NamespaceMXBean {
    long getMessagesPublished();

    long getBytesPublished();

    long getPublishFailures();

    long getMessagesDelivered();

    long getBytesDelivered();

    long getAcks();

    long getNacks();

    /** @return the mean send-to-stored latency in microseconds, 0 before the first message */
    long getPublishLatencyMeanMicros();
}
