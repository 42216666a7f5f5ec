package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast publish-time text is {@link Instant#toString()}'s, character for character, wherever the time falls. */
class IsoMillisTest {
    private final IsoMillis iso = new IsoMillis();

    private void same(long millis) {
        assertEquals(Instant.ofEpochMilli(millis).toString(), iso.format(millis), "for " + millis);
    }

    @Test
    void wholeSecondsTensAndHundredsOfMillisAndEveryOtherEdge() {
        long now = 1_796_000_000_000L; // December 2026
        for (long m : new long[] {0, 1, 9, 10, 99, 100, 120, 999, 1000, 1001, 59_999, 60_000, 86_399_999L}) {
            same(m);
            same(now + m);
        }
        same(951_782_400_000L); // 2000-02-29 (leap day)
        same(4_107_542_399_999L); // 2099-12-31T23:59:59.999Z
        same(253_402_300_799_999L); // 9999-12-31T23:59:59.999Z, the last of the fast path
        same(253_402_300_800_000L); // +10000-01-01T00:00:00Z: the JDK's own rule
        same(-1); // 1969-12-31T23:59:59.999Z: the JDK's own rule
        same(Long.MIN_VALUE / 1000);
    }

    /** Times in any order (the kept second changes back and forth) give the same text as the JDK's. */
    @Test
    void randomTimesInAnyOrder() {
        SplittableRandom r = new SplittableRandom(25);
        long base = 1_796_000_000_000L;
        for (int i = 0; i < 200_000; i++) {
            long m = i % 3 == 0 ? r.nextLong(0, 253_402_300_800_000L) : base + r.nextLong(0, 5_000);
            same(m);
        }
    }
}
