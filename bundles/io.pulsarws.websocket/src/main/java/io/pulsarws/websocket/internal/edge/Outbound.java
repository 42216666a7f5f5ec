package io.pulsarws.websocket.internal.edge;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the node has queued for its clients, in bytes: frames waiting for a writer plus those Jetty has not yet
 * written to the socket. Also the sockets whose queue is over its budget, which {@link KeepAlive} checks every second
 * so that a client that stays stuck is closed.
 */
public final class Outbound {
    private final AtomicLong queued = new AtomicLong();
    private final Set<Client> congested = ConcurrentHashMap.newKeySet();

    /**
     * How long a client that is being ended (too slow, or its token expired) may leave the final close unanswered
     * or unread before its connection is dropped.
     */
    public static final long DROP_AFTER_CLOSE_MILLIS = 5_000;

    /** A client's queue over its budget: a WebSocket or an HTTP event stream. */
    public interface Client {
        /** Called every second while over budget: ends the client once it has not read for too long. */
        void checkStuck(long nowNanos);
    }

    public void add(long bytes) {
        queued.addAndGet(bytes);
    }

    /**
     * The congestion rule of every client's queue, WebSocket or event stream.
     *
     * @param q bytes queued for one client
     * @return true if they are over its budget, or over its share while the node is over its own
     */
    public boolean over(long q, long sessionBudget, long nodeBudget) {
        return q > sessionBudget || q > sessionBudget / 16 && queued() > nodeBudget;
    }

    /** @return true once {@code q} bytes queued for a congested client are low enough for it to be read again */
    public boolean relieved(long q, long sessionBudget, long nodeBudget) {
        return q <= sessionBudget / 2 && !(q > sessionBudget / 16 && queued() > nodeBudget);
    }

    /** @return the bytes queued for every client of the node */
    public long queued() {
        return queued.get();
    }

    public void congested(Client s) {
        congested.add(s);
    }

    public void relieved(Client s) {
        congested.remove(s);
    }

    /** @return how many clients (WebSockets and event streams) are over their budget now */
    public int congestedCount() {
        return congested.size();
    }

    /** Ends the clients that have been over their budget for too long. */
    void sweep(long nowNanos) {
        for (Client s : congested) {
            s.checkStuck(nowNanos);
        }
    }
}
