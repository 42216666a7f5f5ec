package io.pulsarws.session.internal;

import io.pulsarws.codec.ConsumerCommand;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.SessionInfo;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.ReaderBuilder;
import org.apache.pulsar.client.api.Schema;

/**
 * A reader session: pushes the topic's messages from a start position, without a durable subscription. As in
 * Pulsar's service, a client frame carrying a {@code messageId} only returns flow-control credit; nothing is
 * acknowledged to the broker.
 */
final class ReaderSession extends DeliverySession {
    private final Reader<?> reader;

    ReaderSession(
            SessionContext context,
            Reader<?> reader,
            String topic,
            int window,
            String remoteAddress,
            io.pulsarws.codec.PayloadFormat payloadFormat) {
        super(context, topic, remoteAddress, false, window, payloadFormat);
        this.reader = reader;
    }

    /** Creates the Pulsar reader the options describe; completes with the session, not yet started. */
    static CompletableFuture<ReaderSession> create(
            SessionContext context, PulsarClient client, String topic, ReaderOptions o, String remoteAddress) {
        // with payloadFormat=json the client also names each message's schema (see ConsumerSession)
        ReaderBuilder<?> b = (o.payloadFormat() == io.pulsarws.codec.PayloadFormat.JSON
                        ? client.newReader(Schema.AUTO_CONSUME())
                        : client.newReader(Schema.BYTES))
                .topic(topic)
                .startMessageId(startMessageId(o.start(), topic))
                // a few messages until the first shows their size: Prefetch sizes the queue in bytes from then on
                .receiverQueueSize(Prefetch.MIN_QUEUE)
                .cryptoFailureAction(o.cryptoFailureAction());
        CryptoKeyReader keys = context.keyReader().get();
        if (keys != null) {
            b.cryptoKeyReader(keys);
        }
        if (o.readerName() != null) {
            b.readerName(o.readerName());
        }
        return b.createAsync()
                .thenApply(r -> new ReaderSession(context, r, topic, o.window(), remoteAddress, o.payloadFormat()));
    }

    private static MessageId startMessageId(ReaderOptions.Start start, String topic) {
        if (start.messageId() == null) {
            return start.earliest() ? MessageId.earliest : MessageId.latest;
        }
        try {
            return MessageId.fromByteArrayWithTopic(start.messageId(), topic);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "Invalid query params: messageId must be earliest, latest or a " + "base64 message id");
        }
    }

    @Override
    protected CompletableFuture<? extends Message<?>> receiveNext() {
        return reader.readNextAsync();
    }

    @Override
    protected Object pulsarQueues() {
        return reader;
    }

    @Override
    protected void handleText(byte[] utf8, int offset, int length) {
        ConsumerCommand cmd = decodeOrClose(utf8, offset, length);
        if (cmd == null) {
            return;
        }
        if (cmd.type() == ConsumerCommand.Type.IS_END_OF_TOPIC) {
            send(codec.encodeEndOfTopic(reader.hasReachedEndOfTopic()));
        } else if (cmd.messageId() != null) {
            settle(cmd.messageId());
        }
        pump();
    }

    @Override
    protected boolean settlesBeforeDrain() {
        return false;
    }

    @Override
    protected String resumeHint() {
        return lastDelivered();
    }

    @Override
    protected CompletableFuture<Void> closePulsar() {
        return reader.closeAsync();
    }

    @Override
    EndpointPath.Kind kind() {
        return EndpointPath.Kind.READER;
    }

    @Override
    SessionInfo info() {
        return info(null, "Exclusive", null);
    }

    @Override
    public String toString() {
        return "reader session on " + topic + " from " + remoteAddress;
    }
}
