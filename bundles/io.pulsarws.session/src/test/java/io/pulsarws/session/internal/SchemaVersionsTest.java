package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.common.schema.SchemaInfo;
import org.apache.pulsar.common.schema.SchemaType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SchemaVersions}: each version looked up once, off the caller's thread, within its bound. */
class SchemaVersionsTest {
    private static final String POINT =
            "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}";

    private final Schemas schemas = new Schemas();
    private final SchemaVersions versions = new SchemaVersions(schemas);
    /** How often the Pulsar client was asked for a message's schema. */
    private final AtomicInteger lookups = new AtomicInteger();
    /** Threads the lookups ran on. */
    private final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @AfterEach
    void close() {
        schemas.close();
    }

    /** @return the Pulsar client's view of a topic's Avro schema {@link #POINT} */
    private static Schema<?> point() {
        SchemaInfo info = SchemaInfo.builder()
                .name("p")
                .type(SchemaType.AVRO)
                .schema(POINT.getBytes(StandardCharsets.UTF_8))
                .properties(Map.of())
                .build();
        return Fakes.of(Schema.class, Map.of("getSchemaInfo", a -> info));
    }

    private Message<?> message(String topic, byte[] version, boolean fails) {
        Schema<?> schema = point();
        return Fakes.of(
                Message.class,
                Map.of("getSchemaVersion", a -> version, "getTopicName", a -> topic, "getReaderSchema", a -> {
                    lookups.incrementAndGet();
                    threads.add(Thread.currentThread().getName());
                    if (fails) {
                        throw new IllegalStateException("broker gone");
                    }
                    return Optional.of(schema);
                }));
    }

    private TopicSchema deliver(Message<?> m) throws Exception {
        return versions.of(versions.resolve(m).get(10, TimeUnit.SECONDS));
    }

    @Test
    void eachVersionIsLookedUpOnceOnTheLookupThreads() throws Exception {
        assertSame(TopicSchema.NONE, deliver(message("t", null, false)));
        assertEquals(0, lookups.get(), "a message without a version needs no lookup");
        for (int i = 0; i < 5; i++) {
            assertTrue(deliver(message("t", new byte[] {0, 0, 0, 0, 0, 0, 0, 1}, false))
                    .decodes());
        }
        assertEquals(1, lookups.get());
        assertTrue(deliver(message("other", new byte[] {0, 0, 0, 0, 0, 0, 0, 1}, false))
                .decodes());
        assertEquals(2, lookups.get(), "versions are per topic");
        assertTrue(threads.stream().allMatch(t -> t.startsWith("pulsarws-schema-")), threads.toString());
    }

    @Test
    void aFailedLookupIsBytesAndIsTriedAgain() throws Exception {
        byte[] v = {0, 0, 0, 0, 0, 0, 0, 2};
        assertSame(TopicSchema.NONE, deliver(message("t", v, true)));
        assertTrue(deliver(message("t", v, false)).decodes());
        assertEquals(2, lookups.get());
    }

    @Test
    void keepsAtMostItsBound() throws Exception {
        for (int i = 0; i < 3 * SchemaVersions.MAX; i++) {
            deliver(message("t", new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) i}, false));
            assertTrue(versions.size() <= SchemaVersions.MAX, "kept " + versions.size());
        }
    }

    /**
     * A session handed many messages of new versions while the broker is slow to name them queues one lookup at a
     * time: the lookup threads' queue is bounded by the number of sessions, not by what they are handed.
     */
    @Test
    void aSessionQueuesOneLookupAtATime() throws Exception {
        java.util.concurrent.CountDownLatch broker = new java.util.concurrent.CountDownLatch(1);
        Schema<?> schema = point();
        java.util.List<java.util.concurrent.CompletableFuture<Message<?>>> resolved = new java.util.ArrayList<>();
        java.util.List<Message<?>> sent = new java.util.ArrayList<>();
        int maxWaiting = 0;
        for (int i = 0; i < 50; i++) {
            byte[] version = {0, 0, 0, 0, 0, 0, 1, (byte) i};
            Message<?> m = Fakes.of(
                    Message.class,
                    Map.of("getSchemaVersion", a -> version, "getTopicName", a -> "t", "getReaderSchema", a -> {
                        lookups.incrementAndGet();
                        try {
                            broker.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return Optional.of(schema);
                    }));
            sent.add(m);
            resolved.add(versions.resolve(m));
            maxWaiting = Math.max(maxWaiting, schemas.waiting());
        }
        // before, each of the 50 was queued at once: 49 or 50 waiting behind the two threads
        assertTrue(maxWaiting <= 1, "lookups waiting for a thread: " + maxWaiting);
        broker.countDown();
        for (int i = 0; i < sent.size(); i++) {
            assertSame(sent.get(i), resolved.get(i).get(10, TimeUnit.SECONDS));
        }
        assertTrue(versions.of(sent.get(sent.size() - 1)).decodes());
        assertEquals(50, lookups.get());
    }
}
