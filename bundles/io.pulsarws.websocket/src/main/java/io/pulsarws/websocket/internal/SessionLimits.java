package io.pulsarws.websocket.internal;

import io.pulsarws.session.OpenRefusedException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts sessions (and handshakes in progress) in total and per client address, so that one client cannot take
 * the whole node. A permit is taken before the handshake is decided and released exactly once when the session
 * ends or the handshake fails.
 */
final class SessionLimits {
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    /** Released once by whoever ends the session. */
    final class Permit {
        private final String address;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(String address) {
            this.address = address;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                total.decrementAndGet();
                perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
            }
        }
    }

    /**
     * @param maxTotal sessions allowed on this node, 0 for no limit
     * @param maxPerAddress sessions allowed per client address, 0 for no limit
     * @throws OpenRefusedException 503 when the node is full, 429 when this address has too many sessions
     */
    Permit acquire(String address, int maxTotal, int maxPerAddress) throws OpenRefusedException {
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

    /** @return open sessions and handshakes in progress */
    int total() {
        return total.get();
    }
}
