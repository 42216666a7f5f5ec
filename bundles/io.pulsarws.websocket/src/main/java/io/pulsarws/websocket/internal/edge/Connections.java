package io.pulsarws.websocket.internal.edge;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's open connections (WebSockets, event streams, producer POSTs in progress), for a drain to reach, and
 * whether it takes new ones. Each is added when it opens and removed exactly when it ends; a listener (the drain,
 * while its component is active) hears of both.
 */
public final class Connections {
    /** What a drain needs to hear. */
    public interface Listener {
        void opened(Drainable c);

        void closed(Drainable c);
    }

    private final Set<Drainable> open = ConcurrentHashMap.newKeySet();
    private volatile Listener listener;
    /** Connections closed by drains since the endpoints started. */
    private final java.util.concurrent.atomic.AtomicLong drained = new java.util.concurrent.atomic.AtomicLong();

    /** False while the node drains: read on every handshake. */
    private volatile boolean acceptingNew = true;

    /** @return false while the node drains: new clients are refused with 503, {@code /ready} answers 503 */
    public boolean acceptingNew() {
        return acceptingNew;
    }

    /** Set by the drain. */
    public void acceptNew(boolean accept) {
        acceptingNew = accept;
    }

    public void listen(Listener l) {
        listener = l;
    }

    public void opened(Drainable c) {
        open.add(c);
        Listener l = listener;
        if (l != null) {
            l.opened(c);
        }
    }

    public void closed(Drainable c) {
        if (open.remove(c)) {
            Listener l = listener;
            if (l != null) {
                l.closed(c);
            }
        }
    }

    /** Counts a connection a drain closed. */
    public void drainedOne() {
        drained.incrementAndGet();
    }

    /** @return connections closed by drains since the endpoints started */
    public long drained() {
        return drained.get();
    }

    /** @return the connections open now */
    public List<Drainable> snapshot() {
        return List.copyOf(open);
    }

    public int size() {
        return open.size();
    }
}
