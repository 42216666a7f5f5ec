package io.pulsarws.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private static final long S = TimeUnit.SECONDS.toNanos(1);

    @Test
    void locksAnAddressOutAfterFiveFailuresWithinAMinuteAndDoublesTheWait() {
        LoginThrottle t = new LoginThrottle();
        long now = 1_000 * S;
        for (int i = 0; i < 4; i++) {
            t.failed("10.0.0.1", now + i * S);
            assertEquals(0, t.lockedFor("10.0.0.1", now + i * S), "four failures: still allowed");
        }
        t.failed("10.0.0.1", now + 4 * S);
        assertEquals(30, t.lockedFor("10.0.0.1", now + 4 * S));
        assertEquals(0, t.lockedFor("10.0.0.2", now + 4 * S), "another address is not affected");
        assertEquals(0, t.lockedFor("10.0.0.1", now + 35 * S), "free again after 30 s");
        for (int i = 0; i < 5; i++) {
            t.failed("10.0.0.1", now + 40 * S);
        }
        assertEquals(60, t.lockedFor("10.0.0.1", now + 40 * S), "the second lockout is twice as long");
    }

    @Test
    void failuresOutsideTheWindowAndSuccessesDoNotAddUp() {
        LoginThrottle t = new LoginThrottle();
        for (int i = 0; i < 10; i++) {
            t.failed("a", i * 61 * S); // one a minute: never five within one
        }
        assertEquals(0, t.lockedFor("a", 10 * 61 * S));
        for (int i = 0; i < 4; i++) {
            t.failed("b", i * S);
        }
        t.succeeded("b");
        t.failed("b", 5 * S);
        assertEquals(0, t.lockedFor("b", 5 * S));
    }

    @Test
    void remembersABoundedNumberOfAddresses() {
        LoginThrottle t = new LoginThrottle();
        for (int i = 0; i < LoginThrottle.MAX_ADDRESSES + 500; i++) {
            t.failed("10.1." + (i >> 8) + "." + (i & 255), S);
        }
        assertEquals(LoginThrottle.MAX_ADDRESSES, t.size());
    }
}
