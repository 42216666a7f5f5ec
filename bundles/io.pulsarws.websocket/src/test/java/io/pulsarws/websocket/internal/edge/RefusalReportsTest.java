package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusalReportsTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final RefusalReports reports = new RefusalReports(now::get);

    private static String id(int i) {
        return String.format("console-attempt-%08d", i);
    }

    @Test
    void aReportIsReadOnceWithItsStatusAndReason() {
        reports.keep(id(1), 401, "Authentication required", "10.0.0.1");
        RefusalReports.Report r = reports.take(id(1));
        assertEquals(new RefusalReports.Report(401, "Authentication required"), r);
        assertNull(reports.take(id(1)), "a second read finds nothing");
        assertNull(reports.take(id(2)), "an id never kept");
    }

    @Test
    void reportsExpireAfterTheirTimeToLive() {
        reports.keep(id(1), 400, "a", "10.0.0.1");
        now.addAndGet(TimeUnit.SECONDS.toNanos(RefusalReports.TTL_SECONDS / 2));
        reports.keep(id(2), 400, "b", "10.0.0.1");
        now.addAndGet(TimeUnit.SECONDS.toNanos(RefusalReports.TTL_SECONDS / 2));
        assertNull(reports.take(id(1)), "kept a whole TTL ago");
        assertNotNull(reports.take(id(2)), "kept half a TTL ago");
    }

    @Test
    void aFloodOfRefusalsKeepsOnlyTheNewestWithinBounds() {
        int n = RefusalReports.CAPACITY * 10;
        String longReason = "r".repeat(RefusalReports.MAX_REASON * 4);
        for (int i = 0; i < n; i++) {
            reports.keep(id(i), 503, longReason, address(i));
        }
        assertEquals(RefusalReports.CAPACITY, reports.size());
        assertNull(reports.take(id(n - RefusalReports.CAPACITY - 1)), "the oldest went first");
        RefusalReports.Report newest = reports.take(id(n - 1));
        assertEquals(RefusalReports.MAX_REASON, newest.reason().length(), "reasons are cut");
        assertNotNull(reports.take(id(n - RefusalReports.CAPACITY)), "the eldest that still fits");
    }

    @Test
    void aReKeptIdIsYoungAgain() {
        for (int i = 0; i < RefusalReports.CAPACITY; i++) {
            reports.keep(id(i), 400, "first", address(i));
        }
        reports.keep(id(0), 404, "again", address(0));
        reports.keep(id(RefusalReports.CAPACITY), 400, "one more", address(RefusalReports.CAPACITY));
        assertEquals(new RefusalReports.Report(404, "again"), reports.take(id(0)));
        assertNull(reports.take(id(1)), "now the eldest, so it went");
    }

    private static String address(int i) {
        return "10.1." + (i >> 8) + "." + (i & 255);
    }

    /**
     * Issue 21's review: anyone could flush the reports other pages wait for by being refused 256 times. One address
     * now keeps at most 8, its own eldest going first; another client's report stays.
     */
    @Test
    void oneAddressCannotFlushTheOthersReports() {
        reports.keep(id(0), 403, "Origin not allowed", "10.0.0.1");
        for (int i = 1; i <= RefusalReports.CAPACITY * 2; i++) {
            reports.keep(id(i), 400, "flood", "10.9.9.9");
        }
        assertEquals(1 + RefusalReports.PER_ADDRESS, reports.size());
        assertEquals(new RefusalReports.Report(403, "Origin not allowed"), reports.take(id(0)));
        assertNotNull(reports.take(id(RefusalReports.CAPACITY * 2)), "the flooder's newest are kept");
    }

    @Test
    void onlyWellFormedIdsAreValid() {
        assertEquals("abcdefghijklmnop", RefusalReports.validId("abcdefghijklmnop"));
        assertNull(RefusalReports.validId("abcdefghijklmno"));
        assertNull(RefusalReports.validId("a".repeat(65)));
        assertNull(RefusalReports.validId("abcdefghijklmnop/../x"));
        assertNull(RefusalReports.validId("abcdefghijklmnop%2F"));
        assertNull(RefusalReports.validId(null));
    }
}
