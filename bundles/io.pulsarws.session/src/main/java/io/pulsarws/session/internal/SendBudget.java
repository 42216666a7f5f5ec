package io.pulsarws.session.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The bytes of producer messages on their way to the broker, for the whole node and every Pulsar client of it
 * ({@code memoryLimitMb}). Where Pulsar's own memory limit refuses a send that does not fit ({@code send-error:8}),
 * this one makes it wait: the session keeps the frame and stops reading its client until the bytes are granted,
 * first come first served. A message larger than the whole budget waits until nothing else is in flight.
 *
 * <p>Pulsar's client has its own limit turned off for this reason, and also because its limiter counts what
 * consumers prefetch, so that consumers holding large messages would make every producer fail.
 */
final class SendBudget {
    /** A send waiting for its bytes. */
    private record Waiter(long bytes, LongConsumer granted) {}

    /** Guarded by {@code this}. */
    private long limit;

    private long used;
    /** Sends that had to wait, since the start. */
    private long waited;
    /** At most one per producer session: a session queues its later frames itself, behind its first waiter. */
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

    /** @param limit the budget in bytes; 0 or less: no limit */
    SendBudget(long limit) {
        setLimit(limit);
    }

    /** Changes the limit in place (a configuration change); waiting sends that now fit are granted. */
    void setLimit(long limit) {
        List<Runnable> run;
        synchronized (this) {
            this.limit = limit <= 0 ? Long.MAX_VALUE : limit;
            run = grantWaiting();
        }
        run.forEach(Runnable::run);
    }

    /**
     * Takes bytes for a send at once if they fit and nobody is waiting.
     *
     * @return the bytes taken (to {@link #release} later), or -1: then {@code granted} is called with them once
     *     they are available, on the thread that released them
     */
    long acquire(long bytes, LongConsumer granted) {
        synchronized (this) {
            long need = Math.min(bytes, limit);
            if (waiters.isEmpty() && used + need <= limit) {
                used += need;
                return need;
            }
            waiters.add(new Waiter(need, granted));
            waited++;
            return -1;
        }
    }

    /** Gives bytes back and grants waiting sends, in order, as far as they fit. */
    void release(long bytes) {
        List<Runnable> run;
        synchronized (this) {
            used -= bytes;
            run = grantWaiting();
        }
        run.forEach(Runnable::run);
    }

    private List<Runnable> grantWaiting() {
        List<Runnable> run = new ArrayList<>();
        while (!waiters.isEmpty()) {
            Waiter w = waiters.peek();
            long need = Math.min(w.bytes(), limit);
            if (used + need > limit) {
                break;
            }
            waiters.poll();
            used += need;
            run.add(() -> w.granted().accept(need));
        }
        return run;
    }

    /** @return the bytes in flight */
    synchronized long used() {
        return used;
    }

    /** @return how many sends had to wait for bytes, since the start */
    synchronized long waited() {
        return waited;
    }

    /** @return the sends waiting for bytes */
    synchronized int waiting() {
        return waiters.size();
    }
}
