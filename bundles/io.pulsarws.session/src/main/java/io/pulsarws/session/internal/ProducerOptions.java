package io.pulsarws.session.internal;

import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.HashingScheme;
import org.apache.pulsar.client.api.MessageRoutingMode;

/**
 * A producer endpoint's query parameters, read and checked without touching Pulsar's client: every bad value is an
 * {@code IllegalArgumentException} (HTTP 400) before anything is created.
 *
 * @param producerName a fixed producer name, or null
 * @param initialSequenceId or null
 * @param hashingScheme or null (Pulsar's default)
 * @param sendTimeoutMillis 0 unless the client asks (see ProducerSession)
 * @param batching whether batching is on
 * @param batchingMaxMessages or null (Pulsar's default); only with batching
 * @param batchingMaxPublishDelayMillis 1 unless the client asks; only with batching
 * @param maxPendingMessages the session's bound of sends in flight: the request may lower the configured bound
 * @param routingMode or null (single partition); never CustomPartition
 * @param compression or null (none)
 * @param encryptionKeys the raw {@code encryptionKeys} value (client-side keys or server-side key names), or null
 * @param payloadFormat how frames carry payloads (beyond Pulsar)
 */
record ProducerOptions(
        String producerName,
        Long initialSequenceId,
        HashingScheme hashingScheme,
        int sendTimeoutMillis,
        boolean batching,
        Integer batchingMaxMessages,
        int batchingMaxPublishDelayMillis,
        int maxPendingMessages,
        MessageRoutingMode routingMode,
        CompressionType compression,
        String encryptionKeys,
        io.pulsarws.codec.PayloadFormat payloadFormat) {

    static ProducerOptions parse(QueryParams q, SessionDefaults defaults) {
        boolean batching = q.bool("batchingEnabled", false);
        Integer maxMessages = q.integer("batchingMaxMessages", 1, Integer.MAX_VALUE);
        Integer delay = q.integer("batchingMaxPublishDelay", 0, Integer.MAX_VALUE);
        Integer sendTimeout = q.integer("sendTimeoutMillis", 0, Integer.MAX_VALUE);
        Integer pending = q.integer("maxPendingMessages", 1, Integer.MAX_VALUE);
        int bound = defaults.maxPendingMessages();
        MessageRoutingMode routing = q.enumValue("messageRoutingMode", MessageRoutingMode.class);
        return new ProducerOptions(
                q.string("producerName"),
                q.longValue("initialSequenceId"),
                q.enumValue("hashingScheme", HashingScheme.class),
                sendTimeout == null ? 0 : sendTimeout,
                batching,
                batching ? maxMessages : null,
                delay == null ? 1 : delay,
                pending == null ? bound : Math.min(pending, bound),
                routing == MessageRoutingMode.CustomPartition ? null : routing,
                q.enumValue("compressionType", CompressionType.class),
                q.string("encryptionKeys"),
                q.payloadFormat());
    }
}
