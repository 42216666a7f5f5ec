package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pulsarws.session.OpenRefusedException;
import org.junit.jupiter.api.Test;

class SessionLimitsTest {

    @Test
    void refusesPerAddressWith429AndInTotalWith503() throws Exception {
        SessionLimits limits = new SessionLimits();
        SessionLimits.Permit a1 = limits.acquire("10.0.0.1", 3, 2);
        limits.acquire("10.0.0.1", 3, 2);
        assertEquals(
                429,
                assertThrows(OpenRefusedException.class, () -> limits.acquire("10.0.0.1", 3, 2))
                        .status());
        limits.acquire("10.0.0.2", 3, 2);
        assertEquals(
                503,
                assertThrows(OpenRefusedException.class, () -> limits.acquire("10.0.0.3", 3, 2))
                        .status());
        assertEquals(3, limits.total());
        a1.release();
        a1.release(); // idempotent
        assertEquals(2, limits.total());
        limits.acquire("10.0.0.1", 3, 2);
        assertEquals(3, limits.total());
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        SessionLimits limits = new SessionLimits();
        for (int i = 0; i < 100; i++) {
            limits.acquire("10.0.0.1", 0, 0);
        }
        assertEquals(100, limits.total());
    }

    /** Issue 21, item 2: one principal's sessions are bounded wherever it connects from; its places come back. */
    @Test
    void aPrincipalIsBoundedAcrossAddresses() throws Exception {
        SessionLimits limits = new SessionLimits();
        SessionLimits.Permit first = limits.acquire("10.0.0.1", 0, 0);
        first.chargeTo("alice", 2);
        limits.acquire("10.0.0.2", 0, 0).chargeTo("alice", 2);
        SessionLimits.Permit third = limits.acquire("10.0.0.3", 0, 0);
        assertEquals(
                429,
                assertThrows(OpenRefusedException.class, () -> third.chargeTo("alice", 2))
                        .status());
        assertEquals(2, limits.total(), "the refused one gave its place back");
        assertEquals(2, limits.of("alice"));
        SessionLimits.Permit bob = limits.acquire("10.0.0.3", 0, 0);
        bob.chargeTo("bob", 2); // another principal is not affected
        assertEquals(2, limits.principals());
        bob.release();
        assertEquals(1, limits.principals(), "a principal's entry goes with its last session");
        first.release();
        first.release();
        assertEquals(1, limits.of("alice"));
        limits.acquire("10.0.0.4", 0, 0).chargeTo("alice", 2);
        assertEquals(2, limits.of("alice"));
    }
}
