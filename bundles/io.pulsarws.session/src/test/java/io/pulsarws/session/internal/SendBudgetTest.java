package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendBudgetTest {

    @Test
    void sendsThatDoNotFitWaitAndAreGrantedInOrder() {
        SendBudget budget = new SendBudget(100);
        List<String> granted = new ArrayList<>();
        assertEquals(60, budget.acquire(60, b -> granted.add("first")));
        assertEquals(-1, budget.acquire(50, b -> granted.add("second:" + b)));
        assertEquals(-1, budget.acquire(10, b -> granted.add("third:" + b)), "behind a waiting send even if it fits");
        assertEquals(2, budget.waiting());
        budget.release(60);
        assertEquals(List.of("second:50", "third:10"), granted);
        assertEquals(60, budget.used());
    }

    @Test
    void aSendLargerThanTheBudgetWaitsForAllOfIt() {
        SendBudget budget = new SendBudget(100);
        List<Long> granted = new ArrayList<>();
        budget.acquire(1, granted::add);
        assertEquals(-1, budget.acquire(500, granted::add));
        budget.release(1);
        assertEquals(List.of(100L), granted, "granted the whole budget, not more");
        budget.release(100);
        assertEquals(0, budget.used());
    }

    @Test
    void aLargerLimitAppliesInPlaceAndZeroMeansNone() {
        SendBudget budget = new SendBudget(10);
        List<Long> granted = new ArrayList<>();
        budget.acquire(10, granted::add);
        budget.acquire(10, granted::add);
        budget.setLimit(20);
        assertEquals(List.of(10L), granted);
        budget.setLimit(0);
        assertEquals(1_000_000, budget.acquire(1_000_000, granted::add));
    }
}
