package io.pulsarws.websocket.internal.security;

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
    void failuresOutsideTheWindowDoNotAddUp() {
        LoginThrottle t = new LoginThrottle();
        for (int i = 0; i < 10; i++) {
            assertEquals(0, t.begin("a", i * 61 * S));
            t.failed("a", i * 61 * S); // one a minute: never five within one
        }
        assertEquals(0, t.lockedFor("a", 10 * 61 * S));
    }

    /**
     * Issue 21's review: a success used to forget the address's failures, so an attacker with one working account
     * could interleave it with guesses at another and never be locked out. Now the fifth failure locks, successes or
     * not.
     */
    @Test
    void aSuccessDoesNotResetTheFailures() {
        LoginThrottle t = new LoginThrottle();
        for (int i = 0; i < 4; i++) {
            assertEquals(0, t.begin("b", i * S));
            t.failed("b", i * S);
            assertEquals(0, t.begin("b", i * S));
            t.succeeded("b");
        }
        assertEquals(0, t.begin("b", 5 * S));
        t.failed("b", 5 * S);
        assertEquals(30, t.lockedFor("b", 5 * S));
        assertEquals(30, t.begin("b", 5 * S), "locked out despite the four successes");
    }

    /**
     * Issue 21's review: guesses sent in parallel were all asked before the first failure was counted. Now logins
     * in progress count: with none failed yet, five may be in progress at once, the sixth waits.
     */
    @Test
    void loginsInProgressCountAgainstTheLimit() {
        LoginThrottle t = new LoginThrottle();
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            assertEquals(0, t.begin("c", S));
        }
        assertEquals(1, t.begin("c", S), "a sixth at once waits");
        t.succeeded("c");
        assertEquals(0, t.begin("c", S), "one finished: one more may start");
        for (int i = 0; i < 2; i++) {
            t.failed("c", S);
        }
        assertEquals(1, t.begin("c", S), "2 failed and 3 in progress: the limit of 5");
        assertEquals(0, t.begin("d", S), "another address is not affected");
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
