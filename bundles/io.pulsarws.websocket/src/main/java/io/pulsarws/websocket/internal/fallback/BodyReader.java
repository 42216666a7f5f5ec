package io.pulsarws.websocket.internal.fallback;

import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.Receiving;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads a request body without holding a thread, within a byte limit and a deadline: a client that trickles its
 * body holds no container thread and no pending-handshake place, only the bytes it actually sent, and is answered
 * 408 at the deadline. Exactly one of the outcomes is reported, once: the body, too large, too slow, or failed.
 *
 * <p>Bounded in bytes for the principal and the node too: every buffer is charged to the client's
 * {@link Receiving.Account} before it is allocated or grown, and given back when the outcome is reported; a body
 * that does not fit is answered 429 (its principal's bound) or 503 (the node's) at once. Without it, bodies no longer
 * waiting for a pending-handshake place could be read by any number of connections at once.
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

    /** The limits a body is read within. */
    record Limits(int maxBytes, long deadlineMillis) {}

    static final String BUSY = "Too many bytes being received on this node (maxReceivingBytes); retry";
    static final String OWN_BOUND = "Too many bytes being received for this client (maxReceivingBytesPerPrincipal); "
            + "retry once its other requests are done";

    private final HttpExchange.Async in;
    private final int max;
    private final Outcome outcome;
    /** What this reader's buffer is charged to; given back once, by whoever reports. */
    private final Receiving.Account account;

    private final AtomicBoolean done = new AtomicBoolean();
    private byte[] buf;
    private int n;
    private volatile ScheduledFuture<?> deadline;

    /**
     * @param max the most bytes accepted
     * @param first the first buffer's size, already charged to the account
     */
    private BodyReader(HttpExchange.Async in, int max, int first, Outcome outcome, Receiving.Account account) {
        this.in = in;
        this.max = max;
        this.outcome = outcome;
        this.account = account;
        this.buf = new byte[first];
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
     * @param limits the most bytes accepted (413 beyond), how long the whole body may take (408 after)
     * @param account what the buffer is charged to (429 or 503 when it does not fit)
     * @param keepAlive the endpoints' timer
     */
    static void read(
            HttpExchange.Async in,
            long declared,
            Limits limits,
            Receiving.Account account,
            KeepAlive keepAlive,
            Outcome outcome) {
        int max = limits.maxBytes();
        if (declared > max) {
            outcome.refused(413, tooLarge(max));
            return;
        }
        int first = firstBuffer(declared, max);
        Receiving.Verdict v = account.take(first);
        if (v != Receiving.Verdict.TAKEN) {
            refuseOver(v, outcome);
            return;
        }
        BodyReader r = new BodyReader(in, max, first, outcome, account);
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
                Receiving.Verdict v = account.take(grown - buf.length);
                if (v != Receiving.Verdict.TAKEN) {
                    finish(() -> refuseOver(v, outcome));
                    return;
                }
                if (done.get()) { // the deadline reported meanwhile: the account is closed, so this came back too
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
        account.close();
        report.run();
    }

    private static void refuseOver(Receiving.Verdict v, Outcome outcome) {
        if (v == Receiving.Verdict.OVER_PRINCIPAL) {
            outcome.refused(429, OWN_BOUND);
        } else {
            outcome.refused(503, BUSY);
        }
    }

    private static String tooLarge(int max) {
        return "Request body over maxTextFrameSize (" + max + " bytes)";
    }
}
