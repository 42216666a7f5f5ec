package io.pulsarws.codec;

import java.util.Map;

/**
 * A message pushed to a consumer or reader client.
 *
 * @param messageId the message id, already base64-encoded
 * @param payload the raw payload (base64-encoded on the wire)
 * @param properties application properties, never null
 * @param publishTime publish time in epoch milliseconds
 * @param redeliveryCount how often the broker delivered this message before
 * @param eventTime event time in epoch milliseconds, or 0 when unset (then omitted)
 * @param key the message key, or null (then omitted)
 * @param encryption the encryption context of a message delivered still encrypted, or null (then omitted)
 */
public record DeliveredMessage(
        String messageId,
        byte[] payload,
        Map<String, String> properties,
        long publishTime,
        int redeliveryCount,
        long eventTime,
        String key,
        EncryptionInfo encryption) {

    /** A message as delivered normally: decrypted (or never encrypted). */
    public DeliveredMessage(
            String messageId,
            byte[] payload,
            Map<String, String> properties,
            long publishTime,
            int redeliveryCount,
            long eventTime,
            String key) {
        this(messageId, payload, properties, publishTime, redeliveryCount, eventTime, key, null);
    }
}
