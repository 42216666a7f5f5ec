package io.pulsarws.session;

/**
 * Totals since the gateway started, for one namespace ({@code tenant/namespace}, or
 * {@code tenant/cluster/namespace} for v1 topics). Counters only grow; rates are differences over time.
 *
 * @param namespace the namespace
 * @param messagesPublished messages the broker stored for producer sessions
 * @param bytesPublished their payload bytes
 * @param publishFailures sends answered with {@code send-error:8}
 * @param messagesDelivered messages pushed to consumer and reader sessions (redeliveries included)
 * @param bytesDelivered their payload bytes
 * @param acks acknowledgements received from clients
 * @param nacks negative acknowledgements received from clients
 * @param publishLatencyBuckets counts of send-to-stored latencies at or below each bound of
 *     {@link #PUBLISH_LATENCY_BOUNDS_MICROS}; the last element counts those above the last bound
 * @param publishLatencySumMicros the sum of all those latencies
 * @since 1.2.0
 */
public record NamespaceCounters(
        String namespace,
        long messagesPublished,
        long bytesPublished,
        long publishFailures,
        long messagesDelivered,
        long bytesDelivered,
        long acks,
        long nacks,
        long[] publishLatencyBuckets,
        long publishLatencySumMicros) {

    /** Upper bounds of the publish latency buckets in microseconds, as in Pulsar's WebSocket proxy. */
    public static final long[] PUBLISH_LATENCY_BOUNDS_MICROS = {
        500, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 1_000_000
    };
}
