package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.junit.jupiter.api.Test;

/**
 * The pool of idle producers that HTTP POSTs hand on: only to a POST with the same client, role, topic and options,
 * for a bounded time and number, never a producer that is not connected; a session hands its producer on only when
 * nothing is outstanding and no frame gave its own sequence id.
 */
class ProducerPoolTest {
    private final AtomicLong now = new AtomicLong();
    private final ProducerPool pool = new ProducerPool(2, 2000, now::get);
    private final PulsarClient client = Fakes.of(PulsarClient.class, Map.of());
    private final PulsarClient otherClient = Fakes.of(PulsarClient.class, Map.of());
    private final ProducerOptions options =
            ProducerOptions.parse(new QueryParams(Map.of()), new SessionDefaults(1000, 10));
    /** The fake producers closed so far. */
    private final List<Producer<byte[]>> closed = new ArrayList<>();

    @SuppressWarnings("unchecked")
    private Producer<byte[]> producer(AtomicBoolean connected) {
        Producer<byte[]>[] self = new Producer[1];
        self[0] = Fakes.of(Producer.class, Map.of("isConnected", a -> connected.get(), "closeAsync", a -> {
            closed.add(self[0]);
            return CompletableFuture.completedFuture(null);
        }));
        return self[0];
    }

    private Producer<byte[]> producer() {
        return producer(new AtomicBoolean(true));
    }

    private static ProducerPool.Idle idle(Producer<byte[]> p) {
        return new ProducerPool.Idle(p, false, TopicSchema.NONE);
    }

    private ProducerPool.Key key(PulsarClient c, String role, String topic, ProducerOptions o) {
        return new ProducerPool.Key(c, role, topic, o);
    }

    @Test
    void onlyTheSameClientRoleTopicAndOptionsTakeAnIdleProducer() {
        ProducerPool.Key key = key(client, "alice", "persistent://public/default/t", options);
        Producer<byte[]> p = producer();
        assertTrue(pool.offer(key, idle(p)));
        ProducerOptions batching = ProducerOptions.parse(
                new QueryParams(Map.of("batchingEnabled", "true")), new SessionDefaults(1000, 10));
        assertNull(pool.take(key(client, "bob", "persistent://public/default/t", options)), "another role");
        assertNull(pool.take(key(otherClient, "alice", "persistent://public/default/t", options)), "another client");
        assertNull(pool.take(key(client, "alice", "persistent://public/default/u", options)), "another topic");
        assertNull(pool.take(key(client, "alice", "persistent://public/default/t", batching)), "other options");
        assertSame(
                p,
                pool.take(key(client, "alice", "persistent://public/default/t", options))
                        .producer());
        assertNull(pool.take(key), "taken once");
        assertEquals(1, pool.reused());
    }

    @Test
    void namedSequencedAndEncryptingProducersAreNeverPooled() {
        SessionDefaults d = new SessionDefaults(1000, 10);
        assertTrue(ProducerPool.eligible(options));
        assertFalse(ProducerPool.eligible(ProducerOptions.parse(new QueryParams(Map.of("producerName", "n")), d)));
        assertFalse(ProducerPool.eligible(ProducerOptions.parse(new QueryParams(Map.of("initialSequenceId", "5")), d)));
        assertFalse(ProducerPool.eligible(ProducerOptions.parse(new QueryParams(Map.of("encryptionKeys", "key1")), d)));
    }

    @Test
    void idleProducersAreClosedAfterTheLingerTime() {
        ProducerPool.Key key = key(client, "", "persistent://public/default/t", options);
        Producer<byte[]> p = producer();
        pool.offer(key, idle(p));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1999));
        pool.expire();
        assertEquals(List.of(), closed, "still within the linger time");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        pool.expire();
        assertEquals(List.of(p), closed);
        assertEquals(0, pool.size());
        assertNull(pool.take(key));
    }

    @Test
    void thePoolIsBoundedAndAClosedPoolKeepsNothing() {
        ProducerPool.Key key = key(client, "", "persistent://public/default/t", options);
        assertTrue(pool.offer(key, idle(producer())));
        assertTrue(pool.offer(key, idle(producer())));
        assertFalse(pool.offer(key, idle(producer())), "past MAX_IDLE the caller closes it");
        assertEquals(2, pool.size());
        pool.close();
        assertEquals(2, closed.size(), "closing the pool closes what it held");
        assertFalse(pool.offer(key, idle(producer())));
    }

    @Test
    void aProducerThatLostItsConnectionIsNeitherKeptNorHandedOut() {
        ProducerPool.Key key = key(client, "", "persistent://public/default/t", options);
        AtomicBoolean connected = new AtomicBoolean(true);
        Producer<byte[]> p = producer(connected);
        assertTrue(pool.offer(key, idle(p)));
        connected.set(false);
        assertNull(pool.take(key));
        assertEquals(List.of(p), closed, "closed when found disconnected");
        assertFalse(pool.offer(key, idle(producer(connected))));
    }

    /** A fake producer whose sends the test completes; {@code sends} collects them. */
    @SuppressWarnings("unchecked")
    private Producer<byte[]> sending(List<CompletableFuture<MessageId>> sends) {
        Producer<byte[]>[] self = new Producer[1];
        self[0] = Fakes.of(
                Producer.class,
                Map.of(
                        "newMessage",
                        a -> {
                            TypedMessageBuilder<byte[]>[] b = new TypedMessageBuilder[1];
                            b[0] = Fakes.of(
                                    TypedMessageBuilder.class,
                                    Map.of("value", v -> b[0], "sequenceId", v -> b[0], "sendAsync", v -> {
                                        CompletableFuture<MessageId> f = new CompletableFuture<>();
                                        sends.add(f);
                                        return f;
                                    }));
                            return b[0];
                        },
                        "isConnected",
                        a -> true,
                        "closeAsync",
                        a -> {
                            closed.add(self[0]);
                            return CompletableFuture.completedFuture(null);
                        }));
        return self[0];
    }

    private ProducerSession session(Producer<byte[]> p) {
        ProducerSession s = Fakes.producerSession(Fakes.context(), p);
        s.returnsTo(pool, key(client, "", "persistent://public/default/t", options));
        s.start(new Fakes.Sink());
        return s;
    }

    @Test
    void aSessionHandsItsProducerOnOnlyWhenEverySendIsAnswered() {
        List<CompletableFuture<MessageId>> sends = new ArrayList<>();
        Producer<byte[]> answered = sending(sends);
        ProducerSession s = session(answered);
        s.onText("{\"payload\":\"aGk=\"}");
        sends.get(0).complete(MessageId.earliest);
        s.close();
        assertEquals(List.of(), closed, "kept for the next POST");
        assertEquals(1, pool.size());

        Producer<byte[]> outstanding = sending(sends);
        ProducerSession t = session(outstanding);
        t.onText("{\"payload\":\"aGk=\"}");
        t.close(); // its send is not answered (the POST timed out)
        assertEquals(List.of(outstanding), closed);
    }

    @Test
    void aSessionWhoseFramesGaveSequenceIdsClosesItsProducer() {
        List<CompletableFuture<MessageId>> sends = new ArrayList<>();
        Producer<byte[]> sequenced = sending(sends);
        ProducerSession s = session(sequenced);
        s.onText("{\"payload\":\"aGk=\",\"sequenceId\":7}");
        sends.get(0).complete(MessageId.earliest);
        s.close();
        assertEquals(List.of(sequenced), closed, "the broker's deduplication knows its history: not reused");
        assertEquals(0, pool.size());
    }
}
