package io.pulsarws.session.internal;

/** JMX view of the gateway, {@code io.pulsarws:type=Gateway}: the same figures as the shell and {@code /metrics}. */
public interface GatewayMXBean {
    int getOpenSessions();

    int getProducerSessions();

    int getConsumerSessions();

    int getReaderSessions();

    /** @return sends in flight plus messages delivered and not yet acknowledged, over all sessions */
    long getPendingMessages();

    String getServiceUrl();

    /**
     * @param id a session id, as listed by {@code pulsar-ws:sessions}
     * @return true if the session was open and is now closed
     */
    boolean closeSession(long id);
}
