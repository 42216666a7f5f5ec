package io.pulsarws.codec;

import java.util.List;
import java.util.Map;

/**
 * A message a producer client sends: {@code {"payload": "<base64>", "properties": {...}, "context": "...", ...}}.
 *
 * @param payload the decoded payload, never null (may be empty)
 * @param properties application properties, never null
 * @param context the client's request identifier echoed in the result, or null
 * @param key the message key, or null
 * @param replicationClusters clusters to restrict replication to, or null
 * @param eventTime event time in epoch milliseconds, or 0 when unset
 * @param deliverAt absolute delivery time in epoch milliseconds, applied when &gt; 0
 * @param deliverAfterMs relative delivery delay in milliseconds, applied when &gt; 0
 * @param sequenceId the producer sequence id for broker-side deduplication, or null
 * @param encryptionParam client-side encryption (PIP-290): the encryption parameter (IV), or null
 * @param compressionType client-side encryption: the compression the client applied before encrypting, or null
 * @param uncompressedMessageSize client-side encryption: the payload size before compression, or null
 */
public record ProducerFrame(
        byte[] payload,
        Map<String, String> properties,
        String context,
        String key,
        List<String> replicationClusters,
        long eventTime,
        long deliverAt,
        long deliverAfterMs,
        Long sequenceId,
        byte[] encryptionParam,
        String compressionType,
        Integer uncompressedMessageSize) {}
