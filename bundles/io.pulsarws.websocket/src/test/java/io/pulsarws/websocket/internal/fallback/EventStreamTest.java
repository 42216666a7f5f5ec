package io.pulsarws.websocket.internal.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP event stream with a fake consumer session and a fake response whose client reads or does not: the events'
 * format, automatic acks, and the outbound budget in bytes (held back over it, ended when the client reads nothing
 * for the slow-client timeout, every queued byte given back).
 */
class EventStreamTest {
    private final KeepAlive keepAlive = new KeepAlive();

    @AfterEach
    void stop() {
        keepAlive.deactivate();
    }

    /** The client's side of the response: what it read, and whether it reads at all. */
    private static final class Client extends FakeHttp.Out {
        final ByteArrayOutputStream read = new ByteArrayOutputStream();
        volatile boolean reads;
        volatile HttpExchange.WriteListener listener;
        final FakeHttp http = new FakeHttp(this);

        Client(boolean reads) {
            this.reads = reads;
        }

        @Override
        boolean isReady() {
            return reads;
        }

        @Override
        void setWriteListener(HttpExchange.WriteListener l) {
            listener = l;
        }

        @Override
        synchronized void write(byte[] b, int off, int len) {
            read.write(b, off, len);
        }

        synchronized String text() {
            return read.toString(StandardCharsets.UTF_8);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "waited 10 s for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void eventsCarryMessageIdsFramesAndTheCloseAndAreAckedOnceWritten() throws Exception {
        FakeHttp.Session consumer = new FakeHttp.Session();
        Client client = new Client(true);
        AtomicInteger ended = new AtomicInteger();
        EventStream s = new EventStream(
                "s1",
                consumer,
                null,
                client.http.async,
                keepAlive,
                65_536,
                1 << 30,
                30_000,
                true,
                null,
                ended::incrementAndGet);
        s.start();
        consumer.sink.send("{\"messageId\":\"CAMQADAA\",\"payload\":\"eA==\"}");
        consumer.sink.send("{\"type\":\"isEndOfTopic\",\"endOfTopic\":false}");
        consumer.sink.close(1000, "said \"bye\"");
        assertTrue(client.http.completed.await(10, TimeUnit.SECONDS), "the response ends after the close event");
        assertEquals(
                "event: session\ndata: {\"session\":\"s1\"}\n\n"
                        + "id: CAMQADAA\ndata: {\"messageId\":\"CAMQADAA\",\"payload\":\"eA==\"}\n\n"
                        + "event: frame\ndata: {\"type\":\"isEndOfTopic\",\"endOfTopic\":false}\n\n"
                        + "event: close\ndata: {\"code\":1000,\"reason\":\"said \\\"bye\\\"\"}\n\n",
                client.text());
        assertEquals(List.of("{\"messageId\":\"CAMQADAA\"}"), consumer.handed, "autoAck: the written message");
        assertEquals(1, consumer.closed.get());
        assertEquals(1, ended.get());
        assertEquals(0, keepAlive.outbound().queued());
        assertFalse(s.command(new byte[] {'{', '}'}, 0, 2), "no command once ended");
    }

    /**
     * The drain that writes the close event ends the stream only after another drain, which took a written message's
     * automatic ack off the queue, has handed it to the session: here the writer thread's drain is held inside the
     * session's {@code onText} while a second drain (the container's {@code onWritePossible}) writes the close. On
     * the code before, the second drain found no ack left to hand and ended the stream at once, dropping the ack in
     * flight (a full test run saw {@code eventsCarry...} fail that way).
     */
    @Test
    void theStreamEndsOnlyOnceAnAckBeingHandedOverIsHanded() throws Exception {
        FakeHttp.Session consumer = new FakeHttp.Session();
        consumer.handing = new java.util.concurrent.CountDownLatch(1);
        consumer.release = new java.util.concurrent.CountDownLatch(1);
        Client client = new Client(true);
        EventStream s = new EventStream(
                "s2", consumer, null, client.http.async, keepAlive, 65_536, 1 << 30, 30_000, true, null, () -> {});
        s.start();
        consumer.sink.send("{\"messageId\":\"CAMQADAA\",\"payload\":\"eA==\"}");
        assertTrue(consumer.handing.await(10, TimeUnit.SECONDS), "the writer's drain is handing the ack over");
        consumer.sink.close(1000, "bye");
        Thread second = new Thread(s::onWritePossible, "second-drain");
        second.start();
        try {
            assertFalse(
                    client.http.completed.await(500, TimeUnit.MILLISECONDS),
                    "the stream ended while an ack was being handed over");
        } finally {
            consumer.release.countDown();
        }
        assertTrue(client.http.completed.await(10, TimeUnit.SECONDS), "the stream ends once the ack is handed");
        assertEquals(List.of("{\"messageId\":\"CAMQADAA\"}"), consumer.handed);
        second.join(10_000);
        assertTrue(client.text().endsWith("event: close\ndata: {\"code\":1000,\"reason\":\"bye\"}\n\n"), client.text());
    }

    @Test
    void aClientThatReadsNothingIsHeldBackThenEndedAndItsBytesGivenBack() throws Exception {
        FakeHttp.Session consumer = new FakeHttp.Session();
        Client client = new Client(false);
        AtomicInteger ended = new AtomicInteger();
        int budget = 4_096;
        EventStream s = new EventStream(
                "s2",
                consumer,
                null,
                client.http.async,
                keepAlive,
                budget,
                1 << 30,
                200,
                false,
                null,
                ended::incrementAndGet);
        s.start();
        String frame = "{\"messageId\":\"CAMQADAA\",\"payload\":\"" + "x".repeat(1_000) + "\"}";
        int sent = 0;
        while (s.writable()) {
            consumer.sink.send(frame);
            sent++;
            assertTrue(sent < 100, "held back within its budget");
        }
        long queued = keepAlive.outbound().queued();
        assertTrue(queued > budget && queued <= budget + frame.length() + 64, "queued: " + queued);
        assertEquals(0, client.read.size(), "nothing read");
        assertEquals(1, keepAlive.outbound().congestedCount(), "counted in pulsarws_slow_clients as a WebSocket is");
        // the client goes on reading nothing: after 200 ms and the next check (once a second) the stream is over
        assertTrue(client.http.completed.await(5, TimeUnit.SECONDS), "ended");
        assertEquals(1, keepAlive.counters().slowClientsEnded());
        assertEquals(0, keepAlive.outbound().queued(), "every queued byte given back");
        assertEquals(0, keepAlive.outbound().congestedCount());
        assertEquals(1, consumer.closed.get());
        assertEquals(1, ended.get());
        // the container may still call it writable later: nothing is written after the end
        client.reads = true;
        client.listener.onWritePossible();
        consumer.sink.send(frame);
        await("nothing queued", () -> keepAlive.outbound().queued() == 0);
        assertEquals(0, client.read.size());
    }

    @Test
    void aClientThatReadsAgainIsRelieved() throws Exception {
        FakeHttp.Session relieved = new FakeHttp.Session();
        Client client = new Client(false);
        EventStream s = new EventStream(
                "s3", relieved, null, client.http.async, keepAlive, 4_096, 1 << 30, 30_000, false, null, () -> {});
        s.start();
        String frame = "{\"messageId\":\"CAMQADAA\",\"payload\":\"" + "y".repeat(1_000) + "\"}";
        while (s.writable()) {
            relieved.sink.send(frame);
        }
        client.reads = true;
        client.listener.onWritePossible(); // the container: the connection takes bytes again
        await("the session told it may deliver again", () -> relieved.writable.get() == 1);
        assertTrue(s.writable());
        assertEquals(0, keepAlive.outbound().queued());
        assertEquals(0, keepAlive.outbound().congestedCount());
        assertTrue(client.text().startsWith("event: session\n"));
        assertEquals(0, relieved.closed.get());
    }
    /**
     * Drained: the stream waits for its session to owe nothing, then ends with a retry field (EventSource reconnects
     * after it, through the balancer) and a 1001 close event naming the reader's last message; it leaves the node's
     * connections.
     */
    @Test
    void aDrainedStreamEndsWithRetryAndAGoingAwayClose() throws Exception {
        FakeHttp.Session reader = new FakeHttp.Session();
        Client client = new Client(true);
        EventStream s = new EventStream(
                "s3", reader, null, client.http.async, keepAlive, 65_536, 1 << 30, 30_000, false, null, () -> {});
        s.start();
        assertEquals(1, keepAlive.connections().size(), "an open stream is one of the node's connections");
        s.drain(10_000);
        s.drain(10_000); // asked twice: once is what counts
        reader.sink.send("{\"messageId\":\"CAMQADAA\",\"payload\":\"eA==\"}");
        assertFalse(client.http.completed.await(200, TimeUnit.MILLISECONDS), "open while the session owes");
        reader.drained.complete("CAMQADAA");
        assertTrue(client.http.completed.await(10, TimeUnit.SECONDS), "ended once the session owed nothing");
        assertTrue(
                client.text()
                        .endsWith("id: CAMQADAA\ndata: {\"messageId\":\"CAMQADAA\",\"payload\":\"eA==\"}\n\n"
                                + "retry: 1000\n\n"
                                + "event: close\ndata: {\"code\":1001,\"reason\":\"Node draining: reconnect with "
                                + "messageId=CAMQADAA\"}\n\n"),
                client.text());
        await(
                "the stream left the node's connections",
                () -> keepAlive.connections().size() == 0);
    }

    /** A session that never finishes owing (a consumer whose client never acks) is ended at the bound anyway. */
    @Test
    void aDrainEndsTheStreamAtItsBound() throws Exception {
        FakeHttp.Session consumer = new FakeHttp.Session();
        Client client = new Client(true);
        EventStream s = new EventStream(
                "s4", consumer, null, client.http.async, keepAlive, 65_536, 1 << 30, 30_000, false, null, () -> {});
        s.start();
        s.drain(300);
        assertTrue(client.http.completed.await(10, TimeUnit.SECONDS));
        assertTrue(
                client.text()
                        .endsWith("event: close\ndata: {\"code\":1001,\"reason\":\"Node draining: reconnect "
                                + "to another node\"}\n\n"),
                client.text());
    }
}
