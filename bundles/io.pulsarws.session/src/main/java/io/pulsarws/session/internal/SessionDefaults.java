package io.pulsarws.session.internal;

/**
 * The per-session defaults and bounds of the gateway configuration in force when a session is opened.
 *
 * @param maxPendingMessages default and upper bound of a producer's sends in flight
 * @param receiverQueueSize default and upper bound of a consumer's or reader's window
 */
record SessionDefaults(int maxPendingMessages, int receiverQueueSize) {

    /**
     * @return the window a request asks for with {@code receiverQueueSize}: at least 1, at most the configured bound
     *     (0 gives 1, as in Pulsar's service)
     */
    int window(QueryParams q) {
        Integer queue = q.integer("receiverQueueSize", 0, Integer.MAX_VALUE);
        return Math.max(1, Math.min(queue == null ? receiverQueueSize : queue, receiverQueueSize));
    }
}
