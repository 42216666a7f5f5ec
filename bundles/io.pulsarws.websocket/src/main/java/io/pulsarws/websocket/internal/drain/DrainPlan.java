package io.pulsarws.websocket.internal.drain;

import io.pulsarws.websocket.internal.edge.Drainable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Which connections a drain asks to close, and when: in the order they were found, spread evenly over the period,
 * so that their clients do not all reconnect to the other nodes at the same moment. A connection that opens during
 * the drain (its handshake was decided before it began) joins the end of the line. Not thread-safe: the drain's
 * lock guards it.
 */
final class DrainPlan {
    private final long startNanos;
    private final long periodNanos;
    private final LinkedHashSet<Drainable> waiting = new LinkedHashSet<>();
    /** Connections ever in the line. */
    private int total;
    /** Connections asked to close. */
    private int asked;
    /** Connections asked, or ended before they were: the schedule's progress. */
    private int gone;

    DrainPlan(Collection<Drainable> open, long startNanos, long periodNanos) {
        this.startNanos = startNanos;
        this.periodNanos = Math.max(0, periodNanos);
        open.forEach(this::add);
    }

    void add(Drainable c) {
        if (waiting.add(c)) {
            total++;
        }
    }

    /** A connection ended before it was asked: nobody needs to ask it any more. */
    void remove(Drainable c) {
        if (waiting.remove(c)) {
            gone++; // its client left early: one fewer for the rest of the period
        }
    }

    /**
     * @return the connections to ask now: as many as make the share gone so far (asked, or ended early) the
     *     share of the period gone (all of them once it is over)
     */
    List<Drainable> due(long nowNanos) {
        double elapsed = periodNanos == 0 ? 1 : Math.min(1, Math.max(0, nowNanos - startNanos) / (double) periodNanos);
        int target = (int) Math.ceil(total * elapsed);
        List<Drainable> now = new ArrayList<>();
        Iterator<Drainable> it = waiting.iterator();
        while (gone < target && it.hasNext()) {
            now.add(it.next());
            it.remove();
            asked++;
            gone++;
        }
        return now;
    }

    int asked() {
        return asked;
    }
}
