package io.pulsarws.websocket.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;

/**
 * Reads a request body without holding a thread, within a byte limit and a deadline: a client that trickles its
 * body holds no container thread and no pending-handshake place, only the bytes it actually sent, and is answered
 * 408 at the deadline. Exactly one of the outcomes is reported, once: the body, too large, too slow, or failed.
 *
 * <p>Threads: the container calls {@link #onDataAvailable} and {@link #onAllDataRead} one at a time; the deadline
 * runs on the endpoints' timer. {@link #done} decides which of them reports.
 */
final class BodyReader implements ReadListener {
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

    private final ServletInputStream in;
    private final int max;
    private final Outcome outcome;
    private final AtomicBoolean done = new AtomicBoolean();
    private byte[] buf;
    private int n;
    private volatile ScheduledFuture<?> deadline;

    /**
     * @param declared the declared Content-Length, or -1: only a hint for the first buffer, never trusted further
     * @param max the most bytes accepted
     */
    private BodyReader(ServletInputStream in, long declared, int max, Outcome outcome) {
        this.in = in;
        this.max = max;
        this.outcome = outcome;
        // grown as bytes come, never sized from what the client declares: a declared length costs nothing until sent
        this.buf = new byte[(int) Math.min(max + 1L, declared >= 0 ? Math.min(declared + 1, 65_536) : 8192)];
    }

    /**
     * Starts reading; the outcome is reported on a container thread or the timer's.
     *
     * @param in the request's input stream, of a request in asynchronous mode
     * @param declared the declared Content-Length, or -1
     * @param max the most bytes accepted (413 beyond)
     * @param deadlineMillis how long the whole body may take (408 after)
     * @param keepAlive the endpoints' timer
     */
    static void read(
            ServletInputStream in, long declared, int max, long deadlineMillis, KeepAlive keepAlive, Outcome outcome) {
        if (declared > max) {
            outcome.refused(413, tooLarge(max));
            return;
        }
        BodyReader r = new BodyReader(in, declared, max, outcome);
        r.deadline = keepAlive.after(
                deadlineMillis,
                () -> r.finish(
                        () -> outcome.refused(408, "Request body not received within " + deadlineMillis + " ms")));
        in.setReadListener(r);
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (!done.get() && in.isReady()) {
            if (n == buf.length) {
                if (n > max) {
                    finish(() -> outcome.refused(413, tooLarge(max)));
                    return;
                }
                buf = Arrays.copyOf(buf, (int) Math.min(max + 1L, buf.length * 2L));
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

    /** Reports once: the first of the reader and the deadline wins. */
    private void finish(Runnable report) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> d = deadline;
        if (d != null) {
            d.cancel(false);
        }
        report.run();
    }

    private static String tooLarge(int max) {
        return "Request body over maxTextFrameSize (" + max + " bytes)";
    }
}
