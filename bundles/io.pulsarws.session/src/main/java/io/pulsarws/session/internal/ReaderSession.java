package io.pulsarws.session.internal;

import io.pulsarws.codec.ConsumerCommand;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.MessageIds;
import io.pulsarws.session.SessionInfo;
import java.io.IOException;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
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
    private final Reader<byte[]> reader;

    private ReaderSession(PulsarGateway gateway, Reader<byte[]> reader, FrameCodec codec, String topic, int window,
            String remoteAddress) {
        super(gateway, codec, topic, remoteAddress, false, window);
        this.reader = reader;
    }

    static CompletableFuture<ReaderSession> create(PulsarGateway gateway, PulsarClient client, FrameCodec codec,
            EndpointPath path, QueryParams q, String remoteAddress) {
        int window = window(gateway, q);
        ReaderBuilder<byte[]> b = client.newReader(Schema.BYTES)
                .topic(path.topic())
                .startMessageId(startPosition(q.string("messageId"), path.topic()))
                .receiverQueueSize(window)
                .cryptoFailureAction(cryptoFailureAction(q));
        if (gateway.keyReader() != null) {
            b.cryptoKeyReader(gateway.keyReader());
        }
        String name = q.string("readerName");
        if (name != null) {
            b.readerName(name);
        }
        return b.createAsync().thenApply(r -> new ReaderSession(gateway, r, codec, path.topic(), window, remoteAddress));
    }

    /** {@code earliest}, {@code latest} (also when absent or blank) or a base64 message id. */
    static MessageId startPosition(String messageId, String topic) {
        if (messageId == null || "latest".equals(messageId)) {
            return MessageId.latest;
        }
        if ("earliest".equals(messageId)) {
            return MessageId.earliest;
        }
        if (messageId.length() > (MessageIds.MAX_ID_BYTES + 2) / 3 * 4) {
            throw new IllegalArgumentException("Invalid query params: messageId is longer than "
                    + MessageIds.MAX_ID_BYTES + " bytes");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(messageId);
            MessageIds.check(bytes); // before Pulsar's parser, which allocates for the batch size the id claims
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid query params: messageId must be earliest, latest or a "
                    + "base64 message id (" + e.getMessage() + ")");
        }
        try {
            return MessageId.fromByteArrayWithTopic(bytes, topic);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Invalid query params: messageId must be earliest, latest or a "
                    + "base64 message id");
        }
    }

    @Override
    protected CompletableFuture<Message<byte[]>> receiveNext() {
        return reader.readNextAsync();
    }

    @Override
    protected void handleText(String text) {
        ConsumerCommand cmd = decodeOrClose(text);
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
    protected CompletableFuture<Void> closePulsar() {
        return reader.closeAsync();
    }

    @Override
    SessionInfo info() {
        return info("reader", null, "Exclusive", null);
    }

    @Override
    public String toString() {
        return "reader session on " + topic + " from " + remoteAddress;
    }
}
