package io.pulsarws.session.internal;

import io.pulsarws.session.OpenRefusedException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What consumers and readers receive from the brokers ahead of their clients, bounded in bytes. Pulsar counts a
 * receive queue in messages ({@code receiverQueueSize}), so large messages times a large queue times many
 * sessions that never read would fill the heap. The gateway sizes each session's queues from the largest message
 * it has seen, so that they hold about {@code perSession} bytes, and starts every queue at {@link #MIN_QUEUE}
 * messages until the first one shows their size. Each {@link #tick} (every 100 ms) reads what the queues hold:
 *
 * <ul>
 *   <li>a session holding more than twice its allowance (its topic's messages suddenly grew, with a queue sized
 *       for small ones) is closed, which frees its queue; nothing it had not acked is lost;
 *   <li>a principal (its role, or its address without authentication) holding {@code perOwner} or more opens no
 *       more consumers or readers (429) and none of its queues grows;
 *   <li>with the node holding {@code node} or more, only principals holding nothing may open consumers or
 *       readers (503), and no queue grows.
 * </ul>
 *
 * A queue holds at least {@link #MIN_QUEUE} messages whatever their size (Pulsar cannot ask for part of one): a
 * session's allowance is its window or that many messages per queue, whichever is larger.
 */
final class Prefetch {
    private static final Logger LOG = LoggerFactory.getLogger(Prefetch.class);

    /**
     * The fewest messages a queue is sized for, and what it starts at. Not 1: a reader started after a given id is
     * sent that id's message by the broker, and the 4.0 client drops it without returning its permit (once per
     * connection); with a queue of one that permit was its only one, and the reader would wait forever.
     */
    static final int MIN_QUEUE = 2;

    /** The reason a session holding more than twice its allowance is closed with. */
    static final String OVER_WINDOW = "Prefetch over its bound: this topic's messages grew larger than the session's "
            + "window (maxPrefetchBytesPerSession); reconnect";

    /**
     * The bounds in bytes.
     *
     * @param perSession what a session's queues are sized to hold
     * @param perOwner what one principal's sessions may hold before it opens no more
     * @param node what the node's sessions may hold before only principals holding nothing open more
     */
    record Limits(long perSession, long perOwner, long node) {}

    /** A consumer's or reader's receive queues, as the gateway reads and sizes them. */
    interface Queues {
        /** @return payload bytes received and not yet taken */
        long bytes();

        /** @return messages received and not yet taken */
        int messages();

        /** @return how many queues (a consumer of several topics has one per topic, plus one) */
        int count();

        /** Sets how many messages each queue may hold from now on. */
        void resize(int perQueue);
    }

    private volatile Limits limits;
    private final Set<Window> windows = ConcurrentHashMap.newKeySet();
    /** What each principal held at the last tick; only principals holding something. */
    private volatile Map<String, Long> held = Map.of();
    /** What the node held at the last tick. */
    private volatile long nodeHeld;
    /** Sessions closed for holding more than twice their allowance, since the start. */
    private volatile long closedOverWindow;

    Prefetch(Limits limits) {
        this.limits = limits;
    }

    /** Applies new bounds in place; queues are resized at the next tick. */
    void setLimits(Limits limits) {
        this.limits = limits;
    }

    Limits limits() {
        return limits;
    }

    /** @return what the node's queues held at the last tick */
    long held() {
        return nodeHeld;
    }

    /** @return what the principal's queues held at the last tick */
    long held(String owner) {
        return held.getOrDefault(owner, 0L);
    }

    /** @return sessions closed for holding more than twice their allowance */
    long closedOverWindow() {
        return closedOverWindow;
    }

    /**
     * Decides whether a principal may open one more consumer or reader.
     *
     * @throws OpenRefusedException 429 if it holds its bound, 503 if the node holds its own and the principal
     *     holds anything
     */
    void admit(String owner) throws OpenRefusedException {
        Limits l = limits;
        long mine = held(owner);
        if (mine >= l.perOwner()) {
            throw new OpenRefusedException(
                    429,
                    "Too many bytes prefetched for this client: its consumers and readers hold " + mine
                            + " bytes its client has not read (maxPrefetchBytesPerPrincipal " + l.perOwner()
                            + "); read them or close sessions");
        }
        if (mine > 0 && nodeHeld >= l.node()) {
            throw new OpenRefusedException(
                    503, "Gateway is holding its bound of prefetched bytes (maxPrefetchBytes); retry later");
        }
    }

    /**
     * Starts watching a session's queues; they start at {@link #MIN_QUEUE} messages each.
     *
     * @param owner the principal charged
     * @param maxQueue the most messages a queue may hold (the session's window)
     * @param close how to close the session (code, reason)
     */
    Window open(String owner, Queues queues, int maxQueue, BiConsumer<Integer, String> close) {
        Window w = new Window(owner, queues, Math.max(MIN_QUEUE, maxQueue), close);
        windows.add(w);
        return w;
    }

    /** Reads every queue, closes sessions far over their allowance, sizes queues, and sums per principal. */
    void tick() {
        Limits l = limits;
        boolean full = nodeHeld >= l.node();
        Map<String, Long> before = held;
        Map<String, Long> now = new HashMap<>();
        long sum = 0;
        for (Window w : windows) {
            try {
                long bytes = w.check(l, full || before.getOrDefault(w.owner, 0L) >= l.perOwner());
                if (bytes > 0) {
                    now.merge(w.owner, bytes, Long::sum);
                    sum += bytes;
                }
            } catch (RuntimeException e) {
                LOG.warn("Reading the receive queues of a session failed", e);
            }
        }
        held = Map.copyOf(now);
        nodeHeld = sum;
    }

    /** One session's queues. */
    final class Window {
        private final String owner;
        private final Queues queues;
        private final int maxQueue;
        private final BiConsumer<Integer, String> close;
        /** The largest message seen, in bytes; 0 until the first. */
        private volatile long largest;
        /** What each queue may hold now, in messages. */
        private volatile int size = MIN_QUEUE;

        private Window(String owner, Queues queues, int maxQueue, BiConsumer<Integer, String> close) {
            this.owner = owner;
            this.queues = queues;
            this.maxQueue = maxQueue;
            this.close = close;
        }

        /** The session took a message of {@code bytes} from its queue: a larger one shrinks the queues at once. */
        void taken(long bytes) {
            if (bytes > largest) {
                largest = bytes;
                fit(limits, false);
            }
        }

        /** @return messages each queue may hold now */
        int size() {
            return size;
        }

        /** The session ended. */
        void close() {
            windows.remove(this);
        }

        /** @return the bytes held, after closing the session if it holds more than twice its allowance */
        private long check(Limits l, boolean mayNotGrow) {
            long bytes = queues.bytes();
            int messages = queues.messages();
            if (messages > 0 && bytes / messages > largest) {
                largest = (bytes + messages - 1) / messages; // at least their average: one of them is that large
            }
            long allowance = Math.max(l.perSession(), MIN_QUEUE * largest * queues.count());
            if (bytes > 2 * allowance) {
                windows.remove(this);
                closedOverWindow++;
                LOG.info(
                        "Closing a session of {}: its queues hold {} bytes, its allowance is {}",
                        io.pulsarws.codec.ClientText.quote(owner),
                        bytes,
                        allowance);
                close.accept(1008, OVER_WINDOW);
                return 0;
            }
            fit(l, mayNotGrow);
            return bytes;
        }

        /** Sizes the queues to hold about the window, given the largest message seen. */
        private synchronized void fit(Limits l, boolean mayNotGrow) {
            long big = largest;
            if (big == 0) {
                return; // nothing seen yet: one message each
            }
            long fits = l.perSession() / queues.count() / big;
            int target = (int) Math.max(MIN_QUEUE, Math.min(maxQueue, fits));
            if (target > size && mayNotGrow) {
                return;
            }
            if (target != size) {
                size = target;
                queues.resize(target);
            }
        }
    }
}
