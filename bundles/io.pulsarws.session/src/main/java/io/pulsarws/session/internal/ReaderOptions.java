package io.pulsarws.session.internal;

import io.pulsarws.codec.MessageIds;
import org.apache.pulsar.client.api.ConsumerCryptoFailureAction;

/**
 * A reader endpoint's query parameters, read and checked without touching Pulsar's client.
 *
 * @param start {@code earliest}, {@code latest}, or the checked bytes of a message id
 * @param window the reader's window ({@code receiverQueueSize}, bounded by the configuration)
 * @param readerName or null
 * @param cryptoFailureAction FAIL unless the client asks
 * @param payloadFormat how frames carry payloads (beyond Pulsar)
 */
record ReaderOptions(
        Start start,
        int window,
        String readerName,
        ConsumerCryptoFailureAction cryptoFailureAction,
        io.pulsarws.codec.PayloadFormat payloadFormat) {

    /** Where a reader starts. */
    record Start(boolean earliest, byte[] messageId) {
        static final Start LATEST = new Start(false, null);
        static final Start EARLIEST = new Start(true, null);
    }

    static ReaderOptions parse(QueryParams q, SessionDefaults defaults) {
        return new ReaderOptions(
                start(q.string("messageId")),
                defaults.window(q),
                q.string("readerName"),
                ConsumerOptions.cryptoFailureAction(q),
                q.payloadFormat());
    }

    /** {@code earliest}, {@code latest} (also when absent or blank) or a base64 message id. */
    static Start start(String messageId) {
        if (messageId == null || "latest".equals(messageId)) {
            return Start.LATEST;
        }
        if ("earliest".equals(messageId)) {
            return Start.EARLIEST;
        }
        try {
            // checked before Pulsar's parser, which allocates for the batch size the id claims
            return new Start(false, MessageIds.decode(messageId));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid query params: messageId must be earliest, latest or a "
                    + "base64 message id (" + e.getMessage() + ")");
        }
    }
}
