package io.pulsarws.session.internal;

import io.pulsarws.codec.FrameCodec;
import io.pulsarws.session.FrameSink;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;

/** Fakes of the Pulsar client's interfaces and of the socket, for session tests without a broker. */
final class Fakes {
    private Fakes() {}

    /** @return an implementation of {@code type} answering the named methods; any other call fails the test */
    @SuppressWarnings("unchecked")
    static <T> T of(Class<T> type, Map<String, Function<Object[], Object>> methods) {
        return (T) Proxy.newProxyInstance(Fakes.class.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            Function<Object[], Object> f = methods.get(m.getName());
            if (f != null) {
                return f.apply(args == null ? new Object[0] : args);
            }
            return switch (m.getName()) {
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "fake " + type.getSimpleName();
                default -> throw new UnsupportedOperationException(type.getSimpleName() + "." + m.getName());
            };
        });
    }

    /** A received message with this id and payload. */
    @SuppressWarnings("unchecked")
    static Message<byte[]> message(MessageId id, byte[] payload) {
        return message(id, payload, 0);
    }

    /** A message of topic {@code t}, as the Pulsar client hands it over the {@code redeliveryCount}-th time. */
    static Message<byte[]> message(MessageId id, byte[] payload, int redeliveryCount) {
        return of(
                Message.class,
                Map.ofEntries(
                        Map.entry("getMessageId", a -> id),
                        Map.entry("getData", a -> payload),
                        Map.entry("size", a -> payload.length),
                        Map.entry("getProperties", a -> Map.of()),
                        Map.entry("getPublishTime", a -> 1L),
                        Map.entry("getRedeliveryCount", a -> redeliveryCount),
                        Map.entry("getEventTime", a -> 0L),
                        Map.entry("hasKey", a -> false),
                        Map.entry("getEncryptionCtx", a -> Optional.empty()),
                        Map.entry("getTopicName", a -> "t")));
    }

    /** Clients for this configuration (the metatype defaults, with these values), built but never connected. */
    static Cluster cluster(java.util.Map<String, Object> config) {
        return Cluster.connect(GatewaySettings.of(ClusterManagerTest.config(config)), "pulsar://127.0.0.1:1");
    }

    /** A session context with a fresh codec, metrics and bookkeeping; records the sessions it is told closed. */
    static SessionContext context(SendBudget budget, BatchAcks batchAcks, List<AbstractSession> closed) {
        AtomicLong ids = new AtomicLong();
        return new SessionContext(
                new FrameCodec(),
                new NamespaceMetrics(),
                ids::incrementAndGet,
                () -> null,
                batchAcks,
                budget,
                new Schemas(),
                new Prefetch(new Prefetch.Limits(4L << 20, 32L << 20, 64L << 20)),
                new SharedFrames(),
                closed::add);
    }

    /**
     * @return a producer session on {@code producer} for {@code persistent://public/default/t}: base64 payloads, no
     *     schema, no encryption, 10 sends in flight at most; not started
     */
    static ProducerSession producerSession(SessionContext context, Producer<byte[]> producer) {
        return new ProducerSession(
                context,
                producer,
                "persistent://public/default/t",
                false,
                "test",
                10,
                io.pulsarws.codec.PayloadFormat.BASE64,
                TopicSchema.NONE);
    }

    /** @return a session context with no bounds of interest to the test */
    static SessionContext context() {
        return context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>());
    }

    /** The socket: records frames, closes and read pauses; writable unless told otherwise. */
    static class Sink implements FrameSink {
        final List<String> frames = new ArrayList<>();
        volatile boolean paused;
        volatile boolean writable = true;
        volatile int closeCode;
        int pauses;

        /** For each result sent with {@link #sendResult}, the number of the frame it answers. */
        final List<Long> answered = new ArrayList<>();

        @Override
        public synchronized void send(String text) {
            frames.add(text);
        }

        @Override
        public synchronized void sendResult(long frame, String text) {
            answered.add(frame);
            frames.add(text);
        }

        @Override
        public void close(int code, String reason) {
            closeCode = code;
        }

        @Override
        public void pauseReading() {
            paused = true;
            pauses++;
        }

        @Override
        public void resumeReading() {
            paused = false;
        }

        @Override
        public boolean writable() {
            return writable;
        }

        synchronized List<String> frames() {
            return List.copyOf(frames);
        }
    }
}
