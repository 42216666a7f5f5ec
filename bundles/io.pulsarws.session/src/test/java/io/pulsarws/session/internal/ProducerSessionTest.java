package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.junit.jupiter.api.Test;

/** A producer session against a fake Pulsar producer whose sends the test completes: flow control and results. */
class ProducerSessionTest {
    /** The sends handed to the fake producer, in order, and their payloads. */
    private final List<CompletableFuture<MessageId>> sends = new ArrayList<>();

    private final List<byte[]> payloads = new ArrayList<>();
    private final Fakes.Sink sink = new Fakes.Sink();

    @SuppressWarnings("unchecked")
    private Producer<byte[]> producer() {
        return Fakes.of(
                Producer.class,
                Map.of(
                        "newMessage",
                        a -> {
                            TypedMessageBuilder<byte[]>[] builder = new TypedMessageBuilder[1];
                            builder[0] = Fakes.of(
                                    TypedMessageBuilder.class,
                                    Map.of(
                                            "value",
                                            v -> {
                                                payloads.add((byte[]) v[0]);
                                                return builder[0];
                                            },
                                            "sendAsync",
                                            v -> {
                                                byte[] last = payloads.get(payloads.size() - 1);
                                                if (new String(last, java.nio.charset.StandardCharsets.UTF_8)
                                                        .equals("\"not a long\"")) {
                                                    // what Pulsar 4.0's client does on an INT64 topic: it
                                                    // encodes (and checks) the value in sendAsync
                                                    throw new org.apache.pulsar.client.api.SchemaSerializationException(
                                                            "Size of data received by LongSchema is not 8");
                                                }
                                                CompletableFuture<MessageId> f = new CompletableFuture<>();
                                                sends.add(f);
                                                return f;
                                            }));
                            return builder[0];
                        },
                        "closeAsync",
                        a -> CompletableFuture.completedFuture(null)));
    }

    private ProducerSession session(SendBudget budget, int maxPending) {
        return session(budget, maxPending, io.pulsarws.codec.PayloadFormat.BASE64, TopicSchema.NONE);
    }

    private ProducerSession session(
            SendBudget budget, int maxPending, io.pulsarws.codec.PayloadFormat format, TopicSchema schema) {
        ProducerSession s = new ProducerSession(
                Fakes.context(budget, new BatchAcks(1 << 20, 1 << 20), new ArrayList<>()),
                producer(),
                "persistent://public/default/t",
                false,
                "test",
                maxPending,
                format,
                schema);
        s.start(sink);
        return s;
    }

    private static String frame(String payload, int context) {
        return "{\"payload\":\""
                + Base64.getEncoder().encodeToString(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "\",\"context\":\"" + context + "\"}";
    }

    @Test
    void stopsReadingAtTheBoundAndResumesAtHalf() {
        ProducerSession s = session(new SendBudget(0), 4);
        for (int i = 0; i < 4; i++) {
            s.onText(frame("m" + i, i));
        }
        assertEquals(4, sends.size());
        assertTrue(sink.paused, "paused at 4 in flight");
        sends.get(0).complete(new MessageIdImpl(1, 0, -1));
        assertTrue(sink.paused, "3 in flight: still over half");
        sends.get(1).complete(new MessageIdImpl(1, 1, -1));
        assertFalse(sink.paused, "2 in flight: half, read again");
        assertEquals(2, sink.frames().size());
        assertTrue(
                sink.frames().get(0).startsWith("{\"result\":\"ok\",\"messageId\":\"CAEQADAA\",\"context\":\"0\""),
                sink.frames().get(0));
    }

    /** The endpoint hands frames over as bytes, anywhere in its buffer: they are read where they are. */
    @Test
    void aFrameIsReadFromItsBytes() {
        ProducerSession s = session(new SendBudget(0), 100);
        byte[] utf8 = frame("h\u00e9llo \u2603", 7).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] buffer = new byte[utf8.length + 10];
        java.util.Arrays.fill(buffer, (byte) '}'); // bytes around the frame must not be read
        System.arraycopy(utf8, 0, buffer, 4, utf8.length);
        s.onText(buffer, 4, utf8.length);
        assertEquals(1, sends.size());
        assertEquals("h\u00e9llo \u2603", new String(payloads.get(0), java.nio.charset.StandardCharsets.UTF_8));
        sends.get(0).complete(new MessageIdImpl(1, 0, -1));
        assertTrue(
                sink.frames().get(0).contains("\"context\":\"7\""),
                sink.frames().get(0));
    }

    /** With the node's producer memory used up, a send waits (its client unread) instead of failing. */
    @Test
    void waitsForTheNodesProducerMemoryInOrder() {
        SendBudget budget = new SendBudget(10);
        ProducerSession s = session(budget, 100);
        s.onText(frame("12345678", 1));
        s.onText(frame("abcdefgh", 2));
        s.onText(frame("ABCDEFGH", 3)); // a frame Jetty read before the pause took effect: queued behind
        assertEquals(1, sends.size(), "the second waits for bytes");
        assertTrue(sink.paused);
        assertEquals(1, budget.waiting(), "the second waits in the budget, the third behind it in the session");
        sends.get(0).complete(new MessageIdImpl(1, 0, -1));
        assertEquals(2, sends.size());
        assertEquals("abcdefgh", new String(payloads.get(1)), "in the order they came");
        sends.get(1).complete(new MessageIdImpl(1, 1, -1));
        assertEquals(3, sends.size());
        sends.get(2).complete(new MessageIdImpl(1, 2, -1));
        assertFalse(sink.paused);
        assertEquals(0, budget.used());
        assertEquals(
                3,
                sink.frames().stream()
                        .filter(f -> f.contains("\"result\":\"ok\""))
                        .count());
    }

    /** Only a failure where the broker certainly did not store the message is a plain send-error. */
    @Test
    void aSendThatMayHaveBeenStoredIsAnsweredAsUnknown() {
        ProducerSession s = session(new SendBudget(0), 100);
        s.onText(frame("a", 1));
        s.onText(frame("b", 2));
        sends.get(0).completeExceptionally(new PulsarClientException.TimeoutException("timed out"));
        sends.get(1).completeExceptionally(new PulsarClientException.TopicTerminatedException("terminated"));
        assertTrue(
                sink.frames().get(0).contains("\"result\":\"send-error:8\"")
                        && sink.frames().get(0).contains("\"outcome\":\"unknown\""),
                sink.frames().get(0));
        assertTrue(
                sink.frames().get(1).contains("\"result\":\"send-error:8\"")
                        && !sink.frames().get(1).contains("outcome"),
                sink.frames().get(1));
    }

    @Test
    void aBadFrameIsAnsweredAndNothingIsSent() {
        ProducerSession s = session(new SendBudget(0), 100);
        s.onText("{\"payload\":\"not base64!\",\"context\":\"x\"}");
        s.onText("not json");
        assertEquals(0, sends.size());
        assertTrue(sink.frames().get(0).contains("send-error:7"), sink.frames().get(0));
        assertTrue(sink.frames().get(1).contains("send-error:3"), sink.frames().get(1));
    }

    /** Each result names its frame, so that an HTTP POST can answer in the frames' order whatever comes first. */
    @Test
    void resultsNameTheFrameTheyAnswer() {
        ProducerSession s = session(new SendBudget(0), 100);
        s.onText(frame("a", 0));
        s.onText("{\"payload\":\"not base64!\",\"context\":\"1\"}");
        s.onText(frame("c", 2));
        sends.get(1).complete(MessageId.earliest);
        sends.get(0).complete(MessageId.earliest);
        assertEquals(List.of(1L, 2L, 0L), sink.answered);
        assertTrue(
                sink.frames().get(0).contains("\"context\":\"1\""),
                sink.frames().get(0));
    }

    private ProducerSession schemaSession(org.apache.pulsar.common.schema.SchemaType type, String definition) {
        return session(
                new SendBudget(0),
                100,
                io.pulsarws.codec.PayloadFormat.JSON,
                new TopicSchema(type, io.pulsarws.codec.AvroJson.parse(definition)));
    }

    private static final String POINT = "{\"type\":\"record\",\"name\":\"P\",\"fields\":["
            + "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"label\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

    /** A JSON-schema topic: a value that fits is stored as its JSON; one that does not is send-error:7, unsent. */
    @Test
    void aJsonSchemaChecksValues() {
        ProducerSession s = schemaSession(org.apache.pulsar.common.schema.SchemaType.JSON, POINT);
        s.onText("{\"payload\":{\"x\":\"one\"},\"context\":\"bad\"}");
        s.onText("{\"payload\": {\"x\": 1}}");
        assertEquals(1, sends.size());
        assertEquals("{\"x\":1}", new String(payloads.get(0), java.nio.charset.StandardCharsets.UTF_8));
        String refusal = sink.frames().get(0);
        assertTrue(
                refusal.contains("send-error:7")
                        && refusal.contains("payload does not fit the topic's JSON schema: ")
                        && refusal.contains("\"context\":\"bad\""),
                refusal);
    }

    /** An Avro topic: the value is stored as Avro binary (x = 1 zig-zag 2, label null = branch 0). */
    @Test
    void anAvroSchemaStoresBinary() {
        ProducerSession s = schemaSession(org.apache.pulsar.common.schema.SchemaType.AVRO, POINT);
        s.onText("{\"payload\":{\"x\":1}}");
        s.onText("{\"payload\":{\"x\":1,\"label\":\"a\"}}");
        assertArrayEquals(new byte[] {2, 0}, payloads.get(0));
        assertArrayEquals(new byte[] {2, 2, 2, 'a'}, payloads.get(1));
        s.onText("{\"payload\":{\"x\":1,\"y\":2}}");
        assertEquals(2, sends.size());
        assertTrue(
                sink.frames().get(0).contains("payload does not fit the topic's AVRO schema: "),
                sink.frames().get(0));
    }

    /** Another schema type the Pulsar client checks (INT64 here): its refusal is send-error:7, and reading goes on. */
    @Test
    void aValueThePulsarClientRefusesForTheTopicsSchemaIsSendError7() {
        ProducerSession s = session(new SendBudget(0), 100, io.pulsarws.codec.PayloadFormat.JSON, TopicSchema.NONE);
        s.onText("{\"payload\":\"not a long\",\"context\":\"c\"}");
        s.onText("{\"payload\":1}");
        assertEquals(1, sends.size(), "the refused value never reached the broker; the next one did");
        assertEquals(List.of(0L), sink.answered);
        assertTrue(
                sink.frames().get(0).contains("send-error:7")
                        && sink.frames().get(0).contains("payload does not fit the topic's schema: Size of data"),
                sink.frames().get(0));
    }
    /**
     * A drain stops reading the client for good and completes once every send read is answered; a frame read
     * after that (the pause takes effect at a frame's end) is neither sent nor answered.
     */
    @Test
    void aDrainAnswersEverySendReadAndActsOnNothingAfter() {
        ProducerSession s = session(new SendBudget(0), 4);
        s.onText(frame("a", 0));
        s.onText(frame("b", 1));
        CompletableFuture<String> drained = s.drain();
        assertTrue(sink.paused, "the client is read no more");
        assertFalse(drained.isDone(), "two sends unanswered");
        s.onText(frame("c", 2)); // read before the pause took effect: still owed an answer
        assertEquals(3, sends.size());
        sends.get(0).complete(new MessageIdImpl(1, 0, -1));
        sends.get(1).complete(new MessageIdImpl(1, 1, -1));
        assertTrue(sink.paused, "below half in flight, and still not read: draining");
        assertFalse(drained.isDone(), "one send unanswered");
        sends.get(2).complete(new MessageIdImpl(1, 2, -1));
        assertTrue(drained.isDone());
        assertEquals(null, drained.join(), "a producer has no place to resume from");
        assertEquals(3, sink.frames().size(), "every send read is answered before the drain completes");
        s.onText(frame("d", 3));
        assertEquals(3, sends.size(), "read after the drain completed: not sent");
        assertEquals(3, sink.frames().size(), "...and not answered");
        assertTrue(s.drain() == drained, "idempotent");
    }

    /** An idle producer owes nothing: its drain completes at once. */
    @Test
    void anIdleProducerDrainsAtOnce() {
        ProducerSession s = session(new SendBudget(0), 4);
        assertTrue(s.drain().isDone());
    }
    /**
     * The lost wakeup DefectsIT's flood hit: a send completing while the session is between setting its paused flag
     * and pausing the endpoint's reading resumed first, and the pause that followed was never resumed. Here the
     * endpoint's pause is held up until the completion has run as far as it can: the client must end up read again.
     * On the code before, the client stayed paused with nothing in flight.
     */
    @Test
    void aCompletionRacingThePauseCannotLeaveTheClientUnread() throws Exception {
        java.util.concurrent.CountDownLatch inPause = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean readPaused = new java.util.concurrent.atomic.AtomicBoolean();
        io.pulsarws.session.FrameSink slowPause = new io.pulsarws.session.FrameSink() {
            @Override
            public void send(String text) {}

            @Override
            public void close(int code, String reason) {}

            @Override
            public void pauseReading() {
                inPause.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                readPaused.set(true);
            }

            @Override
            public void resumeReading() {
                readPaused.set(false);
            }
        };
        ProducerSession s = new ProducerSession(
                Fakes.context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>()),
                producer(),
                "persistent://public/default/t",
                false,
                "test",
                2,
                io.pulsarws.codec.PayloadFormat.BASE64,
                TopicSchema.NONE);
        s.start(slowPause);
        s.onText(frame("a", 0));
        Thread reader = new Thread(() -> s.onText(frame("b", 1))); // the second in flight: the session pauses
        reader.start();
        assertTrue(inPause.await(10, java.util.concurrent.TimeUnit.SECONDS));
        Thread completion = new Thread(() -> sends.get(0).complete(new MessageIdImpl(1, 0, -1)));
        completion.start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (completion.getState() != Thread.State.BLOCKED && completion.getState() != Thread.State.TERMINATED) {
            assertTrue(System.nanoTime() < deadline, "the completion neither ran nor waited");
            Thread.onSpinWait(); // until it has run as far as it can while the pause is held up
        }
        release.countDown();
        reader.join(10_000);
        completion.join(10_000);
        sends.get(1).complete(new MessageIdImpl(1, 1, -1));
        assertFalse(readPaused.get(), "nothing in flight, and the client is still not read");
    }
}
