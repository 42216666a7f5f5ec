package io.pulsarws.bench;

/**
 * What a load runs against: a WebSocket gateway ({@code ws://host:port}, Pulsar's own or ours), this gateway's HTTP
 * fallback ({@code http://host:port}) or the broker itself through the native Java client ({@code pulsar://host:port}). Topics are local names in {@code public/default}.
 */
interface Target extends AutoCloseable {

    /** The result of one send: {@code reason} is null when the broker stored the message. */
    interface Results {
        void completed(long context, String reason);
    }

    /** Called for each message delivered (already acknowledged by the link) with the stamp of its payload. */
    interface Deliveries {
        void delivered(long stampNanos);
    }

    /** A producer session. */
    interface ProducerLink extends AutoCloseable {
        /** Sends a message; its result reaches the {@link Results} with the same context. */
        void send(long context, byte[] payload) throws InterruptedException;

        /** @return a reason if the session was closed under the load, else null */
        String closedBecause();

        @Override
        void close();
    }

    /** A consumer session that acknowledges each message it delivers. */
    interface ConsumerLink extends AutoCloseable {
        @Override
        void close();
    }

    ProducerLink producer(String topic, Results results) throws Exception;

    ConsumerLink consumer(String topic, String subscription, boolean shared, Deliveries deliveries) throws Exception;

    @Override
    void close();

    /**
     * @param outbox frames a WebSocket connection queues before a send waits
     * @param batching producers batch messages into entries (Pulsar's {@code batchingEnabled=true})
     * @param rawWebSocket WebSocket links use {@link RawWsConnection} instead of the JDK's client
     */
    static Target of(String url, int outbox, boolean batching, boolean rawWebSocket) {
        return of(url, outbox, batching, rawWebSocket, false);
    }

    /** @param deflate the raw WebSocket links offer permessage-deflate and need it */
    static Target of(String url, int outbox, boolean batching, boolean rawWebSocket, boolean deflate) {
        if (url.startsWith("ws://") || url.startsWith("wss://")) {
            return new WebSocketTarget(url, outbox, batching, rawWebSocket, deflate);
        }
        if (url.startsWith("pulsar://") || url.startsWith("pulsar+ssl://")) {
            return new NativeTarget(url, batching);
        }
        if (url.startsWith("http://")) {
            return new HttpFallbackTarget(url); // this gateway's HTTP fallback
        }
        throw new IllegalArgumentException(
                "target must be ws://host:port, http://host:port (the HTTP fallback) or pulsar://host:port, not "
                        + url);
    }
}
