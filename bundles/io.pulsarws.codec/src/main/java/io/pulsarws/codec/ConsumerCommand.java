package io.pulsarws.codec;

/**
 * A frame a consumer or reader client sends.
 *
 * @param type what the client asks for
 * @param messageId the message id as sent (base64), or null for commands without one
 * @param messageIdBytes the decoded message id, or null for commands without one
 * @param permitMessages the number of permits for {@link Type#PERMIT}, otherwise 0
 * @param timestamp the publish time to seek to for {@link Type#SEEK} without a message id, otherwise 0
 */
public record ConsumerCommand(Type type, String messageId, byte[] messageIdBytes, int permitMessages, long timestamp) {

    /** The consumer commands of the API. */
    public enum Type {
        /** {@code {"messageId": ...}}: the client processed the message. */
        ACK,
        /** {@code {"type": "negativeAcknowledge", "messageId": ...}}: redeliver the message later. */
        NEGATIVE_ACKNOWLEDGE,
        /** {@code {"type": "permit", "permitMessages": N}}: pull mode credit. */
        PERMIT,
        /** {@code {"type": "unsubscribe"}}: delete the subscription. */
        UNSUBSCRIBE,
        /** {@code {"type": "isEndOfTopic"}}: answered with {@code {"endOfTopic": bool}}. */
        IS_END_OF_TOPIC,
        /** Beyond Pulsar: {@code {"type": "ackCumulative", "messageId": ...}}: this message and all before it. */
        ACK_CUMULATIVE,
        /** Beyond Pulsar: {@code {"type": "seek", "messageId": ...}} or {@code {"type": "seek", "timestamp": ms}}. */
        SEEK
    }
}
