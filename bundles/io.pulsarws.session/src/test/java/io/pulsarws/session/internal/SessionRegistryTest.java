package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.EndpointPath;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.junit.jupiter.api.Test;

/** The registry closes one session by id, or every session of a replaced cluster, and forgets closed ones. */
class SessionRegistryTest {
    private final SessionRegistry registry = new SessionRegistry(100);
    /** One context for all sessions of a test, as in the gateway: it hands out distinct ids. */
    private final SessionContext context =
            Fakes.context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>());

    @SuppressWarnings("unchecked")
    private ProducerSession session(Fakes.Sink sink) {
        Producer<byte[]> producer =
                Fakes.of(Producer.class, Map.of("closeAsync", a -> CompletableFuture.completedFuture(null)));
        ProducerSession s = Fakes.producerSession(context, producer);
        s.start(sink);
        return s;
    }

    @Test
    void anOperatorClosesOneSessionById() {
        Fakes.Sink a = new Fakes.Sink();
        Fakes.Sink b = new Fakes.Sink();
        ProducerSession first = session(a);
        ProducerSession second = session(b);
        registry.add(first, null);
        registry.add(second, null);
        assertTrue(first.id() != second.id(), "distinct ids");
        assertEquals(2, registry.infos().size());
        assertTrue(registry.close(second.id()));
        assertEquals(1000, b.closeCode);
        assertEquals(0, a.closeCode, "the other session stays open");
        assertFalse(registry.close(-1), "no such session");
        registry.forget(second);
        assertEquals(1, registry.infos().size());
        assertEquals(first.id(), registry.infos().get(0).id());
    }

    /** A rebuild closes the sessions of the old clients with 1001 and leaves those of the new ones. */
    @Test
    void aReplacedClusterTakesItsSessionsWithIt() {
        Cluster old = Fakes.cluster(Map.of());
        Cluster current = Fakes.cluster(Map.of());
        try {
            Fakes.Sink onOld = new Fakes.Sink();
            Fakes.Sink onCurrent = new Fakes.Sink();
            ProducerSession s1 = session(onOld);
            ProducerSession s2 = session(onCurrent);
            s1.bindOwner(old.client);
            s2.bindOwner(current.client);
            registry.add(s1, null);
            registry.add(s2, null);
            assertEquals(1, registry.closeAll(old));
            assertEquals(PulsarGateway.CLOSE_SERVICE_RESTART, onOld.closeCode);
            assertEquals(0, onCurrent.closeCode);
            assertTrue(old.isClosed(), "the old clients are closed, so a late handshake on them is refused");
            assertFalse(current.isClosed());
        } finally {
            current.close();
        }
    }

    /** A consumer session whose fake consumer records acks and its close, in order, in {@code events}. */
    @SuppressWarnings("unchecked")
    private ConsumerSession consumer(List<String> events, List<Message<byte[]>> queue, Fakes.Sink sink) {
        Consumer<byte[]> consumer = Fakes.of(
                Consumer.class,
                Map.of(
                        "receiveAsync",
                        a -> queue.isEmpty()
                                ? new CompletableFuture<>()
                                : CompletableFuture.completedFuture(queue.remove(0)),
                        "acknowledgeAsync",
                        a -> {
                            events.add("ack " + a[0]);
                            return CompletableFuture.completedFuture(null);
                        },
                        "closeAsync",
                        a -> {
                            events.add("close");
                            return CompletableFuture.completedFuture(null);
                        }));
        ConsumerSession s = new ConsumerSession(
                context,
                consumer,
                ConsumerOptions.parse(
                        EndpointPath.parse("/ws/v2/consumer/persistent/public/default/t/s"),
                        new QueryParams(Map.of()),
                        new SessionDefaults(1000, 10)),
                "test");
        s.start(sink);
        return s;
    }

    /**
     * A rebuild's close frame and a client's ack cross on the wire: the ack, sent before the client read the close
     * frame, still reaches the consumer before it closes (the session waits for the client's answer to the close).
     */
    @Test
    void anAckCrossingTheCloseFrameIsAppliedBeforeTheConsumerCloses() throws Exception {
        SessionRegistry waiting = new SessionRegistry(30_000);
        Cluster old = Fakes.cluster(Map.of());
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        MessageId delivered = new MessageIdImpl(7, 1, -1);
        ConsumerSession[] session = new ConsumerSession[1];
        Thread[] client = new Thread[1];
        Fakes.Sink sink = new Fakes.Sink() {
            @Override
            public void close(int code, String reason) {
                super.close(code, reason);
                // the client: its ack was on the wire already; it reads the close frame, then answers it
                client[0] = new Thread(() -> {
                    session[0].onText(
                            "{\"messageId\":\"" + Base64.getEncoder().encodeToString(delivered.toByteArray()) + "\"}");
                    session[0].close(); // what the transport does when the client's close frame arrives
                });
                client[0].start();
            }
        };
        session[0] = consumer(events, new ArrayList<>(List.of(Fakes.message(delivered, "m".getBytes()))), sink);
        session[0].bindOwner(old.client);
        waiting.add(session[0], null);
        assertEquals(1, sink.frames().size(), "the message was delivered");
        long start = System.nanoTime();
        assertEquals(1, waiting.closeAll(old));
        long millis = (System.nanoTime() - start) / 1_000_000;
        client[0].join(10_000);
        assertEquals(PulsarGateway.CLOSE_SERVICE_RESTART, sink.closeCode);
        assertEquals(List.of("ack " + delivered, "close"), events);
        assertTrue(millis < 10_000, "closeAll returned once the client answered, after " + millis + " ms");
    }

    /** A client that never answers the close frame holds the rebuild no longer than the bound. */
    @Test
    void aClientThatNeverAnswersIsClosedAfterTheBound() {
        SessionRegistry waiting = new SessionRegistry(200);
        Cluster old = Fakes.cluster(Map.of());
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        Fakes.Sink sink = new Fakes.Sink();
        ConsumerSession s = consumer(events, new ArrayList<>(), sink);
        s.bindOwner(old.client);
        waiting.add(s, null);
        long start = System.nanoTime();
        assertEquals(1, waiting.closeAll(old));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(PulsarGateway.CLOSE_SERVICE_RESTART, sink.closeCode);
        assertEquals(List.of("close"), events, "the consumer closed without an answer");
        assertTrue(millis >= 200, "waited for the answer: " + millis + " ms");
    }

    /**
     * Once its close frame is sent, a producer publishes nothing: the result could not reach the client, which
     * sends the message again on its next connection (publishing it here would make it a duplicate).
     */
    @Test
    @SuppressWarnings("unchecked")
    void aProducerPublishesNothingAfterItsCloseFrame() {
        List<Object> published = new ArrayList<>();
        Producer<byte[]> producer = Fakes.of(
                Producer.class,
                Map.of(
                        "newMessage",
                        a -> {
                            published.add("newMessage");
                            throw new AssertionError("published after the close frame");
                        },
                        "closeAsync",
                        a -> CompletableFuture.completedFuture(null)));
        ProducerSession s = Fakes.producerSession(context, producer);
        Fakes.Sink sink = new Fakes.Sink();
        s.start(sink);
        s.sendCloseFrame(PulsarGateway.CLOSE_SERVICE_RESTART, PulsarGateway.SERVICE_RESTART);
        s.onText("{\"payload\":\"aGk=\"}");
        assertEquals(List.of(), published);
        assertEquals(List.of(), sink.frames(), "no answer either");
        s.close();
    }
}
