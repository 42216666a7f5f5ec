package io.pulsarws.websocket.internal.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pulsarws.websocket.internal.edge.Drainable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The drain's schedule on a clock the test sets: spread evenly over the period, late joiners at the end. */
class DrainPlanTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static List<Drainable> connections(int n) {
        List<Drainable> c = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            c.add(connection());
        }
        return c;
    }

    /** A connection of its own (a lambda that captures nothing would be one object, however many times made). */
    private static Drainable connection() {
        return new Drainable() {
            @Override
            public void drain(long finishMillis) {}
        };
    }

    @Test
    void closesAreSpreadEvenlyOverThePeriod() {
        List<Drainable> open = connections(100);
        DrainPlan plan = new DrainPlan(open, 0, 10 * SECOND);
        assertEquals(0, plan.due(0).size(), "nothing at the very start");
        assertEquals(open.subList(0, 10), plan.due(SECOND), "a tenth after a tenth of the period, in order");
        assertEquals(0, plan.due(SECOND).size(), "none twice");
        assertEquals(41, plan.due(5 * SECOND + 100_000_000).size(), "51 by 5.1 s (rounded up)");
        assertEquals(49, plan.due(10 * SECOND).size(), "the rest at the end");
        assertEquals(100, plan.asked());
        assertEquals(0, plan.due(20 * SECOND).size());
    }

    @Test
    void aConnectionThatOpensDuringTheDrainLeavesWithTheRestAndOneThatEndsIsNotAsked() {
        List<Drainable> open = connections(4);
        DrainPlan plan = new DrainPlan(open, 0, 4 * SECOND);
        plan.remove(open.get(0)); // ended by its client before its turn
        Drainable late = connection();
        plan.add(late);
        assertEquals(List.of(open.get(1), open.get(2)), plan.due(2 * SECOND), "3 of 5 due at half: 2 left to ask");
        assertEquals(List.of(open.get(3), late), plan.due(5 * SECOND));
        assertEquals(4, plan.asked());
    }

    @Test
    void aPeriodOfZeroClosesAllAtOnce() {
        DrainPlan plan = new DrainPlan(connections(3), 5 * SECOND, 0);
        assertEquals(3, plan.due(5 * SECOND).size());
    }
}
