package io.pulsarws.websocket.internal.edge;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What happened at the edge, for {@code /metrics}: handshakes refused, by HTTP status, sessions ended, by close
 * code, and clients ended because they stopped reading. The codes come from clients too (a client chooses its close
 * code), so the labels are a fixed set:
 * anything else counts as {@code other}, and a client cannot make the metric grow.
 */
public final class EdgeCounters {
    /** The statuses a refused handshake is answered with. */
    static final int[] STATUSES = {400, 401, 403, 404, 405, 409, 429, 500, 503, 504};
    /** Close codes of RFC 6455 and of the API (4000 + its error code). */
    static final int[] CLOSE_CODES = {
        1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 4001, 4002, 4003, 4004,
        4005, 4006, 4007, 4008
    };

    private final AtomicLongArray refused = new AtomicLongArray(STATUSES.length + 1);
    private final AtomicLongArray closed = new AtomicLongArray(CLOSE_CODES.length + 1);
    private final AtomicLong slowEnded = new AtomicLong();

    void refused(int status) {
        refused.incrementAndGet(slot(STATUSES, status));
    }

    public void closed(int code) {
        closed.incrementAndGet(slot(CLOSE_CODES, code));
    }

    /** A WebSocket or event stream was ended for not reading for {@code slowClientTimeoutMillis}. */
    public void slowEnded() {
        slowEnded.incrementAndGet();
    }

    /** @return the clients ended for not reading, since the endpoints started */
    public long slowClientsEnded() {
        return slowEnded.get();
    }

    /** @return the refusals by status, {@code other} last; every label present, zero or not */
    public Map<String, Long> refusals() {
        return snapshot(STATUSES, refused);
    }

    /** @return the ended sessions by close code, {@code other} last; every label present, zero or not */
    public Map<String, Long> closes() {
        return snapshot(CLOSE_CODES, closed);
    }

    private static int slot(int[] known, int code) {
        for (int i = 0; i < known.length; i++) {
            if (known[i] == code) {
                return i;
            }
        }
        return known.length;
    }

    private static Map<String, Long> snapshot(int[] known, AtomicLongArray counts) {
        Map<String, Long> m = new TreeMap<>();
        for (int i = 0; i < known.length; i++) {
            m.put(Integer.toString(known[i]), counts.get(i));
        }
        m.put("other", counts.get(known.length));
        return m;
    }
}
