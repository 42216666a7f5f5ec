package io.pulsarws.websocket.internal.edge;

import io.pulsarws.session.OpenRefusedException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts sessions (and handshakes in progress) in total, per client address and per authenticated principal, so
 * that one client cannot take the whole node. A permit is taken before the handshake is decided, charged to its
 * principal once the client is authenticated, and released exactly once when the session ends or the handshake
 * fails. Each map holds an entry only while it counts a session.
 */
public final class SessionLimits {
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> perPrincipal = new ConcurrentHashMap<>();

    /** Released once by whoever ends the session. */
    public final class Permit {
        private final String address;
        private final AtomicBoolean released = new AtomicBoolean();
        /** The principal this session is charged to, or null; set once, before the permit is handed on. */
        private volatile String principal;

        private Permit(String address) {
            this.address = address;
        }

        /**
         * Charges the session to an authenticated principal as well.
         *
         * @param max sessions allowed per principal, 0 for no limit
         * @throws OpenRefusedException 429 when the principal has that many already; the permit is released then
         */
        public void chargeTo(String role, int max) throws OpenRefusedException {
            AtomicInteger mine = perPrincipal.compute(role, (r, n) -> {
                AtomicInteger c = n == null ? new AtomicInteger() : n;
                c.incrementAndGet();
                return c;
            });
            principal = role;
            if (max > 0 && mine.get() > max) {
                release();
                throw new OpenRefusedException(
                        429, "Too many sessions for this client's role (maxSessionsPerPrincipal); close some first");
            }
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                total.decrementAndGet();
                perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
                String role = principal;
                if (role != null) {
                    perPrincipal.computeIfPresent(role, (r, n) -> n.decrementAndGet() <= 0 ? null : n);
                }
            }
        }
    }

    /**
     * @param maxTotal sessions allowed on this node, 0 for no limit
     * @param maxPerAddress sessions allowed per client address, 0 for no limit
     * @throws OpenRefusedException 503 when the node is full, 429 when this address has too many sessions
     */
    public Permit acquire(String address, int maxTotal, int maxPerAddress) throws OpenRefusedException {
        if (total.incrementAndGet() > maxTotal && maxTotal > 0) {
            total.decrementAndGet();
            throw new OpenRefusedException(503, "Too many sessions on this gateway (maxSessions); retry later");
        }
        AtomicInteger mine = perAddress.compute(address, (a, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            c.incrementAndGet();
            return c;
        });
        if (maxPerAddress > 0 && mine.get() > maxPerAddress) {
            new Permit(address).release();
            throw new OpenRefusedException(429, "Too many sessions from this address (maxSessionsPerAddress)");
        }
        return new Permit(address);
    }

    /** @return the sessions charged to this principal */
    int of(String role) {
        AtomicInteger n = perPrincipal.get(role);
        return n == null ? 0 : n.get();
    }

    /** @return how many principals hold sessions (one entry each, gone with their last session) */
    int principals() {
        return perPrincipal.size();
    }

    /** @return open sessions and handshakes in progress */
    int total() {
        return total.get();
    }
}
