package io.pulsarws.websocket.internal.security;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Slows down password guessing over HTTP Basic, per client address: after {@link #MAX_FAILURES} failed logins within
 * {@link #WINDOW_SECONDS}, the address gets no login attempt for {@link #FIRST_LOCKOUT_SECONDS}, doubling with each
 * further lockout up to {@link #MAX_LOCKOUT_SECONDS}. A successful login does not forget the failures (one account
 * that works must not reset the count for guesses at another), and logins in progress count against the limit, so
 * that guesses sent in parallel cannot all be asked before the first failure is counted: an address has at most
 * {@link #MAX_FAILURES} minus its recent failures in progress at once. At most {@link #MAX_ADDRESSES} addresses are
 * remembered (the least recently seen forgotten first), so the record itself stays bounded. Thread-safe.
 */
final class LoginThrottle {
    static final int MAX_FAILURES = 5;
    static final long WINDOW_SECONDS = 60;
    static final long FIRST_LOCKOUT_SECONDS = 30;
    static final long MAX_LOCKOUT_SECONDS = 900;
    static final int MAX_ADDRESSES = 10_000;

    /** One address's recent failures. */
    private static final class Record {
        int failures;
        int inProgress;
        long windowStart;
        int lockouts;
        long lockedUntil;
    }

    private final Map<String, Record> records = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Record> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    /**
     * Starts a login from this address if it may try now; the caller then reports {@link #succeeded} or {@link
     * #failed}, exactly once.
     *
     * @return 0 when the login may go ahead, else the seconds to wait (locked out, or as many logins in progress as
     *     failures still allowed)
     */
    synchronized long begin(String address, long nowNanos) {
        Record r = records.computeIfAbsent(address, a -> new Record());
        if (nowNanos - r.lockedUntil < 0 && r.lockouts > 0) {
            return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(r.lockedUntil - nowNanos));
        }
        if (r.failures > 0 && nowNanos - r.windowStart > TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
            r.failures = 0;
        }
        if (r.failures + r.inProgress >= MAX_FAILURES) {
            return 1;
        }
        r.inProgress++;
        return 0;
    }

    /** @return the seconds this address must still wait before trying again, or 0 if it may try now */
    synchronized long lockedFor(String address, long nowNanos) {
        Record r = records.get(address);
        if (r == null || r.lockouts == 0 || nowNanos - r.lockedUntil >= 0) {
            return 0;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(r.lockedUntil - nowNanos));
    }

    /** A login begun with {@link #begin} failed; the one that reaches the limit starts a lockout. */
    synchronized void failed(String address, long nowNanos) {
        Record r = records.computeIfAbsent(address, a -> new Record());
        r.inProgress = Math.max(0, r.inProgress - 1);
        if (r.failures == 0 || nowNanos - r.windowStart > TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
            r.failures = 0;
            r.windowStart = nowNanos;
        }
        if (++r.failures >= MAX_FAILURES) {
            long seconds = Math.min(MAX_LOCKOUT_SECONDS, FIRST_LOCKOUT_SECONDS << Math.min(r.lockouts, 10));
            r.lockouts++;
            r.lockedUntil = nowNanos + TimeUnit.SECONDS.toNanos(seconds);
            r.failures = 0;
        }
    }

    /** A login begun with {@link #begin} succeeded: it is no longer in progress; the failures stay counted. */
    synchronized void succeeded(String address) {
        Record r = records.get(address);
        if (r != null) {
            r.inProgress = Math.max(0, r.inProgress - 1);
        }
    }

    synchronized int size() {
        return records.size();
    }
}
