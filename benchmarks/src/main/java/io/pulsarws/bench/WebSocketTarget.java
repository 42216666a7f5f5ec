package io.pulsarws.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** Pulsar's WebSocket API (v2 paths), as served by Pulsar's proxy and by this gateway alike. */
final class WebSocketTarget implements Target {
    /** The receive window asked of every consumer: Pulsar's default, so that both gateways use the same. */
    static final int RECEIVER_QUEUE = 1000;

    private final String base;
    private final int outbox;
    private final boolean batching;
    /** The producer and consumer links' client: {@link RawWsConnection} when true, else the JDK's. */
    private final boolean raw;
    /** The raw links offer permessage-deflate and need it. */
    private final boolean deflate;

    private final HttpClient http = HttpClient.newHttpClient();

    WebSocketTarget(String base, int outbox, boolean batching) {
        this(base, outbox, batching, false);
    }

    /** @param raw the producer and consumer links use {@link RawWsConnection} (idle and flood always the JDK's) */
    WebSocketTarget(String base, int outbox, boolean batching, boolean raw) {
        this(base, outbox, batching, raw, false);
    }

    /** @param deflate the raw links offer permessage-deflate and fail without it */
    WebSocketTarget(String base, int outbox, boolean batching, boolean raw, boolean deflate) {
        this.deflate = deflate;
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.outbox = outbox;
        this.batching = batching;
        this.raw = raw;
    }

    private URI producerUri(String topic) {
        return URI.create(base + "/ws/v2/producer/persistent/public/default/" + topic
                + (batching ? "?batchingEnabled=true" : ""));
    }

    /** Opens a link with the client this target was made with, and waits for its handshake. */
    private WsLink link(URI uri, BiConsumer<WsLink, String> onFrame) throws Exception {
        if (raw) {
            return RawWsConnection.open(uri, onFrame, deflate);
        }
        return WsConnection.open(http, uri, onFrame::accept, outbox).get(60, TimeUnit.SECONDS);
    }

    /** Opens a producer session without waiting for it. */
    CompletableFuture<WsConnection> openProducer(String topic, BiConsumer<WsConnection, String> onFrame) {
        return openProducer(topic, onFrame, true);
    }

    /** Opens a producer session without waiting for it; with {@code reads} false its results are never read. */
    CompletableFuture<WsConnection> openProducer(
            String topic, BiConsumer<WsConnection, String> onFrame, boolean reads) {
        return WsConnection.open(http, producerUri(topic), onFrame, outbox, reads);
    }

    @Override
    public ProducerLink producer(String topic, Results results) throws Exception {
        WsLink c = link(producerUri(topic), (connection, frame) -> {
            String result = Frames.field(frame, "result");
            results.completed(
                    Frames.context(frame),
                    "ok".equals(result) ? null : result + ": " + Frames.field(frame, "errorMsg"));
        });
        return new ProducerLink() {
            @Override
            public void send(long context, byte[] payload) throws InterruptedException {
                c.send(Frames.produce(payload, context));
            }

            @Override
            public String closedBecause() {
                return c.closeCode() < 0 ? null : c.closeCode() + " " + c.closeReason();
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    @Override
    public ConsumerLink consumer(String topic, String subscription, boolean shared, Deliveries deliveries)
            throws Exception {
        URI uri = URI.create(base + "/ws/v2/consumer/persistent/public/default/" + topic + "/" + subscription
                + "?subscriptionType=" + (shared ? "Shared" : "Exclusive") + "&receiverQueueSize=" + RECEIVER_QUEUE);
        WsLink c = link(uri, (connection, frame) -> {
            String id = Frames.field(frame, "messageId");
            String payload = Frames.field(frame, "payload");
            if (id == null || payload == null) {
                return; // not a message
            }
            try {
                connection.send(Frames.ack(id));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            deliveries.delivered(Frames.stampOfBase64(payload));
        });
        return c::close;
    }

    @Override
    public void close() {
        // HttpClient has no close on Java 17; its threads are daemons and its connections were closed
    }
}
