package io.pulsarws.websocket.internal.fallback;

import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a request body without holding a thread, within a byte limit and a deadline: a client that trickles its
 * body holds no container thread and no pending-handshake place, only the bytes it actually sent, and is answered
 * 408 at the deadline. Exactly one of the outcomes is reported, once: the body, too large, too slow, or failed.
 *
 * <p>Bounded in bytes for the node too: every buffer is charged to a {@link Budget} before it is allocated or grown,
 * and given back when the outcome is reported; a body that does not fit is answered 503 at once. Without it, bodies
 * no longer waiting for a pending-handshake place could be read by any number of connections at once.
 *
 * <p>Threads: the container calls {@link #onDataAvailable} and {@link #onAllDataRead} one at a time; the deadline
 * runs on the endpoints' timer. {@link #done} decides which of them reports.
 */
final class BodyReader implements HttpExchange.ReadListener {
    /** What becomes of the body. */
    interface Outcome {
        /** The whole body arrived, at most the limit. */
        void body(byte[] body);

        /**
         * The body was refused or could not be read.
         *
         * @param status 413 (over the limit), 408 (not received within the deadline) or 400 (the connection failed)
         * @param reason a one-line reason for the client
         */
        void refused(int status, String reason);
    }

    /** What every body being read on the node holds, in bytes of buffer. Thread-safe. */
    static final class Budget {
        private final AtomicLong held = new AtomicLong();

        /** @return true if {@code bytes} more fit under {@code max}, which are then held */
        boolean reserve(long bytes, long max) {
            if (held.addAndGet(bytes) > max) {
                held.addAndGet(-bytes);
                return false;
            }
            return true;
        }

        void release(long bytes) {
            held.addAndGet(-bytes);
        }

        /** @return the bytes held now */
        long held() {
            return held.get();
        }
    }

    /** The limits a body is read within. */
    record Limits(int maxBytes, long deadlineMillis, long nodeMaxBytes) {}

    static final String BUSY = "Too many request bodies being read on this node; retry";

    private final HttpExchange.Async in;
    private final int max;
    private final Outcome outcome;
    private final Budget budget;
    private final long nodeMax;
    /** What this reader holds of the budget; given back once, by whoever reports. */
    private final AtomicLong reserved = new AtomicLong();

    private final AtomicBoolean done = new AtomicBoolean();
    private byte[] buf;
    private int n;
    private volatile ScheduledFuture<?> deadline;

    /**
     * @param declared the declared Content-Length, or -1: only a hint for the first buffer, never trusted further
     * @param max the most bytes accepted
     */
    /** @param first the first buffer's size, already reserved from the budget */
    private BodyReader(HttpExchange.Async in, int max, int first, Outcome outcome, Budget budget, long nodeMax) {
        this.in = in;
        this.max = max;
        this.outcome = outcome;
        this.budget = budget;
        this.nodeMax = nodeMax;
        this.buf = new byte[first];
        this.reserved.set(first);
    }

    /**
     * @param declared the declared Content-Length, or -1: only a hint for the first buffer, never trusted further
     * @return the first buffer's size: grown as bytes come, never sized from what the client declares beyond 64 KiB
     */
    static int firstBuffer(long declared, int max) {
        return (int) Math.min(max + 1L, declared >= 0 ? Math.min(declared + 1, 65_536) : 8192);
    }

    /**
     * Starts reading; the outcome is reported on a container thread or the timer's.
     *
     * @param in the request, in asynchronous mode
     * @param declared the declared Content-Length, or -1
     * @param limits the most bytes accepted (413 beyond), how long the whole body may take (408 after), and what all
     *     bodies being read may hold on the node (503 beyond)
     * @param budget the node's bodies being read
     * @param keepAlive the endpoints' timer
     */
    static void read(
            HttpExchange.Async in, long declared, Limits limits, Budget budget, KeepAlive keepAlive, Outcome outcome) {
        int max = limits.maxBytes();
        if (declared > max) {
            outcome.refused(413, tooLarge(max));
            return;
        }
        int first = firstBuffer(declared, max);
        if (!budget.reserve(first, limits.nodeMaxBytes())) {
            outcome.refused(503, BUSY);
            return;
        }
        BodyReader r = new BodyReader(in, max, first, outcome, budget, limits.nodeMaxBytes());
        long deadlineMillis = limits.deadlineMillis();
        r.deadline = keepAlive.after(
                deadlineMillis,
                () -> r.finish(
                        () -> outcome.refused(408, "Request body not received within " + deadlineMillis + " ms")));
        in.read(r);
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (!done.get() && in.readReady()) {
            if (n == buf.length) {
                if (n > max) {
                    finish(() -> outcome.refused(413, tooLarge(max)));
                    return;
                }
                int grown = (int) Math.min(max + 1L, buf.length * 2L);
                if (!budget.reserve(grown - buf.length, nodeMax)) {
                    finish(() -> outcome.refused(503, BUSY));
                    return;
                }
                reserved.addAndGet(grown - buf.length);
                if (done.get()) { // the deadline reported meanwhile and gave back what it saw held: this too
                    budget.release(reserved.getAndSet(0));
                    return;
                }
                buf = Arrays.copyOf(buf, grown);
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                return; // onAllDataRead follows
            }
            n += r;
        }
    }

    @Override
    public void onAllDataRead() {
        if (n > max) {
            finish(() -> outcome.refused(413, tooLarge(max)));
        } else {
            byte[] body = Arrays.copyOf(buf, n);
            finish(() -> outcome.body(body));
        }
    }

    @Override
    public void onError(Throwable t) {
        finish(() -> outcome.refused(400, "Request body could not be read"));
    }

    /** Reports once: the first of the reader and the deadline wins; the buffer's bytes go back to the budget. */
    private void finish(Runnable report) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
        budget.release(reserved.getAndSet(0));
        report.run();
    }

    private static String tooLarge(int max) {
        return "Request body over maxTextFrameSize (" + max + " bytes)";
    }
}
