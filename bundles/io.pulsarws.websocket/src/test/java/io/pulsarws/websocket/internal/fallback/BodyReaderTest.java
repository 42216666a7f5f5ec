package io.pulsarws.websocket.internal.fallback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.Receiving;
import io.pulsarws.websocket.transport.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Request bodies read without a thread (issue 21, item 7): within a byte limit and a deadline, one outcome each.
 * Nothing here blocks: the fake stream is "ready" only for the chunks the test has made arrive.
 */
class BodyReaderTest {
    private final KeepAlive timer = new KeepAlive();
    /** The node's ledger; each read below is charged to its own account of one address, with the node's bound. */
    private final Receiving receiving = new Receiving();

    private Receiving.Account account(long nodeBound) {
        return receiving.account("address 127.0.0.1", 0, nodeBound);
    }

    @AfterEach
    void stop() {
        timer.deactivate();
    }

    /** A non-blocking input stream fed chunk by chunk by the test, calling the listener as a container would. */
    private static final class Trickle extends FakeHttp.AsyncBase {
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private byte[] current;
        private int pos;
        private boolean finished;
        HttpExchange.ReadListener listener;

        @Override
        public synchronized boolean readReady() {
            return current != null || !chunks.isEmpty();
        }

        @Override
        public void read(HttpExchange.ReadListener l) {
            listener = l;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            if (current == null) {
                current = chunks.poll();
                pos = 0;
                if (current == null) {
                    return finished ? -1 : 0;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            if (pos == current.length) {
                current = null;
            }
            return n;
        }

        void arrive(String chunk) throws Exception {
            synchronized (this) {
                chunks.add(chunk.getBytes(StandardCharsets.UTF_8));
            }
            listener.onDataAvailable();
        }

        void end() throws Exception {
            synchronized (this) {
                finished = true;
            }
            listener.onAllDataRead();
        }
    }

    /** Records the one outcome. */
    private static final class Result implements BodyReader.Outcome {
        final CompletableFuture<Object> outcome = new CompletableFuture<>();
        volatile int outcomes;

        @Override
        public void body(byte[] body) {
            outcomes++;
            outcome.complete(body);
        }

        @Override
        public void refused(int status, String reason) {
            outcomes++;
            outcome.complete(status + " " + reason);
        }
    }

    @Test
    void aBodyInChunksArrivesWhole() throws Exception {
        Trickle in = new Trickle();
        Result r = new Result();
        BodyReader.read(in, -1, new BodyReader.Limits(1024, 10_000), account(1 << 20), timer, r);
        in.arrive("{\"payload\":");
        in.arrive("\"aGk=\"}");
        assertTrue(!r.outcome.isDone(), "nothing before the end of the body");
        in.end();
        assertArrayEquals("{\"payload\":\"aGk=\"}".getBytes(StandardCharsets.UTF_8), (byte[]) r.outcome.get());
        assertEquals(1, r.outcomes);
        assertEquals(0, receiving.held(), "the buffer's bytes given back");
    }

    /** A declared length over the limit is refused before a byte is read; a body that grows past it, as it does. */
    @Test
    void overTheLimitIs413() throws Exception {
        Result declared = new Result();
        Trickle unused = new Trickle();
        BodyReader.read(unused, 5000, new BodyReader.Limits(1024, 10_000), account(1 << 20), timer, declared);
        assertEquals("413", ((String) declared.outcome.get()).substring(0, 3));
        assertNull(unused.listener, "not even a listener for a body declared too large");

        Trickle in = new Trickle();
        Result grown = new Result();
        BodyReader.read(in, -1, new BodyReader.Limits(1024, 10_000), account(1 << 20), timer, grown);
        for (int i = 0; i < 20 && !grown.outcome.isDone(); i++) {
            in.arrive("x".repeat(100));
        }
        assertEquals("413", ((String) grown.outcome.get()).substring(0, 3));
        in.end();
        assertEquals(1, grown.outcomes, "one outcome, though the body ended after");
    }

    /**
     * Issue 21, item 7: a body trickled a byte at a time gets 408 at the deadline, and nothing after. On the code
     * before, the servlet read it on its own thread, holding a pending-handshake place, for as long as it lasted.
     */
    @Test
    void aTrickledBodyIs408AtTheDeadline() throws Exception {
        Trickle in = new Trickle();
        Result r = new Result();
        long start = System.nanoTime();
        BodyReader.read(in, 100, new BodyReader.Limits(1024, 300), account(1 << 20), timer, r);
        in.arrive("{");
        String outcome = (String) r.outcome.get(5, TimeUnit.SECONDS);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(outcome.startsWith("408 "), outcome);
        assertTrue(tookMillis >= 290, "not before the deadline: " + tookMillis + " ms");
        in.arrive("\"payload\":\"aGk=\"}");
        in.end();
        assertEquals(1, r.outcomes, "the body that came late is not acted on");
    }

    /**
     * Bodies no longer wait for a pending-handshake place, so the node's bound is in bytes: buffers are charged
     * before they are allocated or grown; a body that does not fit is 503 at once, and what was held comes back with
     * every outcome (the body, a refusal, the deadline).
     */
    @Test
    void theNodesBodiesAreBoundedInBytes() throws Exception {
        BodyReader.Limits limits = new BodyReader.Limits(8192, 10_000);
        Trickle first = new Trickle();
        Result one = new Result();
        BodyReader.read(first, 8000, limits, account(10_000), timer, one);
        assertEquals(8001, receiving.held(), "the first buffer, sized from the declared length");
        Result two = new Result();
        BodyReader.read(new Trickle(), 8000, limits, account(10_000), timer, two);
        assertEquals("503 " + BodyReader.BUSY, two.outcome.get());
        assertEquals(8001, receiving.held(), "the refused one holds nothing");

        Trickle growing = new Trickle();
        Result three = new Result();
        BodyReader.read(growing, -1, limits, account(10_000), timer, three); // 8,192 bytes more do not fit: 503 as well
        assertEquals("503 " + BodyReader.BUSY, three.outcome.get());

        Result small = new Result();
        Trickle grows = new Trickle();
        BodyReader.read(grows, 1000, limits, account(10_000), timer, small); // 1,001 fits, its growth to 2,002 does not
        assertEquals(9002, receiving.held());
        grows.arrive("x".repeat(1500));
        assertEquals("503 " + BodyReader.BUSY, small.outcome.get());
        assertEquals(8001, receiving.held(), "given back at the refusal");

        first.arrive("{\"payload\":\"aGk=\"}");
        first.end();
        one.outcome.get();
        assertEquals(0, receiving.held(), "all given back");
        Result later = new Result();
        BodyReader.read(new Trickle(), 8000, limits, account(10_000), timer, later);
        assertEquals(8001, receiving.held(), "room again");
    }

    /**
     * Issue 21: one principal's bodies being read share its bound, whatever connections they come on: the one that
     * does not fit is 429 (naming the setting), another principal's body still fits, and the bytes come back.
     */
    @Test
    void oneClientsBodiesAreBoundedByItsPrincipal() throws Exception {
        BodyReader.Limits limits = new BodyReader.Limits(8192, 10_000);
        Trickle first = new Trickle();
        Result one = new Result();
        BodyReader.read(first, 5000, limits, receiving.account("role mallory", 8192, 1 << 20), timer, one);
        Result two = new Result();
        BodyReader.read(new Trickle(), 5000, limits, receiving.account("role mallory", 8192, 1 << 20), timer, two);
        assertEquals("429 " + BodyReader.OWN_BOUND, two.outcome.get());
        assertTrue(BodyReader.OWN_BOUND.contains("maxReceivingBytesPerPrincipal"));
        Result other = new Result();
        Trickle alices = new Trickle();
        BodyReader.read(alices, 5000, limits, receiving.account("role alice", 8192, 1 << 20), timer, other);
        assertEquals(10_002, receiving.held(), "mallory's first body and alice's");
        first.arrive("{}");
        first.end();
        one.outcome.get();
        alices.arrive("{}");
        alices.end();
        other.outcome.get();
        assertEquals(0, receiving.held(), "all given back");
    }

    @Test
    void theDeadlineGivesTheBytesBack() throws Exception {
        Result r = new Result();
        BodyReader.read(new Trickle(), 500, new BodyReader.Limits(1024, 200), account(1 << 20), timer, r);
        assertEquals(501, receiving.held());
        assertTrue(((String) r.outcome.get(5, TimeUnit.SECONDS)).startsWith("408 "));
        assertEquals(0, receiving.held());
    }
}
