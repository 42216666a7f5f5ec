package io.pulsarws.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ReportTest {

    static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    private static Report report(Map<String, Map<String, Properties>> results) {
        return new Report(results, List.of(), 1024, List.of());
    }

    @Test
    void ratiosAndTargetsComeFromTheFigures() {
        Map<String, Map<String, Properties>> r = new LinkedHashMap<>();
        r.put(
                "produce-100",
                new LinkedHashMap<>(Map.of(
                        Report.PROXY,
                        props("throughput", "1000", "count", "15000", "gatewayCpuMeasured", "4.5"),
                        Report.OURS,
                        // the whole process used 30 s of CPU, its measured seconds 10 s: only those count
                        props("throughput", "6000", "count", "200000", "gatewayCpuMeasured", "10", "gatewayCpu", "30"),
                        Report.NATIVE,
                        props("throughput", "12000"))));
        r.put(
                "rate-1k",
                new LinkedHashMap<>(Map.of(
                        Report.PROXY, props("p50", "2", "p99", "10"), Report.OURS, props("p50", "1.5", "p99", "11"))));
        r.put(
                "flood-unread",
                new LinkedHashMap<>(
                        Map.of(Report.PROXY, props("throughput", "2000"), Report.OURS, props("throughput", "2500"))));
        Report report = report(r);
        assertEquals(5.0, report.cpuPer100k("produce-100", Report.OURS), 1e-9);
        assertEquals(30.0, report.cpuPer100k("produce-100", Report.PROXY), 1e-9);
        String md = report.markdown("test machine");
        assertTrue(
                md.contains(
                        "| producer msg/s, 100 B, 1 session, 200 in flight | 1,000 | 6,000 | 12,000 | 6.00x | 0.50x |"),
                md);
        String targets = report.targets();
        assertTrue(
                targets.contains(
                        "producer (100 B, 1 session, 200 in flight) >= 0.8x the native client (unbatched): MISSED (0.50x)"),
                targets);
        assertTrue(targets.contains("send->ack p50 at 1,000 msg/s <= 1.0x Pulsar's proxy: met (0.75x)"), targets);
        assertTrue(targets.contains("send->ack p99 at 1,000 msg/s no worse than the proxy: MISSED (1.10x)"), targets);
        assertTrue(
                targets.contains(
                        "windowless flood (results unread), messages stored per s >= 1.0x Pulsar's proxy: met (1.25x)"),
                targets);
        assertTrue(
                targets.contains("consumer draining a backlog >= 0.95x the native client: MISSED (not measured)"),
                targets);
    }

    /** Idle sessions: each one's share of the RSS from start to the peak, and what 100,000 would take. */
    @Test
    void theCpuOfEveryProcessIsAddedUpPerMessage() {
        Map<String, Map<String, Properties>> r = new LinkedHashMap<>();
        r.put(
                "produce-100",
                new LinkedHashMap<>(Map.of(
                        Report.OURS,
                        props(
                                "count",
                                "200000",
                                "gatewayCpuMeasured",
                                "2",
                                "brokerCpuMeasured",
                                "3",
                                "toolCpuMeasured",
                                "1"),
                        // the native client has no gateway: its sum is the broker's and the tool's
                        Report.NATIVE,
                        props("count", "100000", "brokerCpuMeasured", "2", "toolCpuMeasured", "1"),
                        // a gateway whose CPU was not read: no sum rather than a sum without it
                        Report.PROXY,
                        props("count", "100000", "brokerCpuMeasured", "2", "toolCpuMeasured", "1"))));
        Report report = report(r);
        assertEquals(3.0, report.allCpuPer100k("produce-100", Report.OURS), 1e-9);
        assertEquals(3.0, report.allCpuPer100k("produce-100", Report.NATIVE), 1e-9);
        assertTrue(Double.isNaN(report.allCpuPer100k("produce-100", Report.PROXY)));
        assertTrue(
                report.markdown("m")
                        .contains("| broker CPU s per 100k msgs, producing 100 B | 2.0 | 1.5 | 2.0 | 0.75x | 0.75x |"),
                report.markdown("m"));
    }

    @Test
    void idleSessionsAreProjectedFromTheirShareOfThePeak() {
        Map<String, Map<String, Properties>> r = new LinkedHashMap<>();
        r.put(
                "idle-rss",
                new LinkedHashMap<>(Map.of(Report.OURS, props("rss", "300"), Report.PROXY, props("rss", "200"))));
        r.put(
                "idle",
                new LinkedHashMap<>(Map.of(
                        Report.OURS,
                        props("stillOpen", "20000", "gatewayPeakRss", "700"),
                        Report.PROXY,
                        props("stillOpen", "20000", "gatewayPeakRss", "500"))));
        Report report = report(r);
        assertEquals(400.0 * 1024 / 20000, report.rssPerSession(Report.OURS), 1e-9); // 20.48 KiB
        assertEquals(300 + 100_000 * 20.48 / 1024, report.projected(), 1e-9); // 2,300 MiB
        assertTrue(
                report.targets()
                        .contains("- 100,000 idle producer sessions within 2 GiB RSS: MISSED (20,000 held, peak RSS "
                                + "700 MiB; at the RSS per session measured, 100,000 would take 2,300 MiB)"),
                report.targets());
        assertTrue(
                report.markdown("m")
                        .contains("| RSS KiB per idle session: (peak holding them - after start) / sessions | 15.4 "
                                + "| 20.5 | - | 1.33x | - |"),
                report.markdown("m"));
    }

    @Test
    void unansweredUndeliveredAndUntrueResultsAreListed() {
        Map<String, Map<String, Properties>> r = new LinkedHashMap<>();
        r.put("produce-100", new LinkedHashMap<>(Map.of(Report.OURS, props("unanswered", "7"))));
        r.put("e2e-1k", new LinkedHashMap<>(Map.of(Report.PROXY, props("acked", "100", "deliveredAll", "98"))));
        r.put(
                "flood-read",
                new LinkedHashMap<>(Map.of(
                        Report.OURS, props("okResults", "50", "storedTotal", "49", "closed", "1008 Client too slow"))));
        String md = report(r).markdown("m");
        assertTrue(md.contains("produce-100 against ours: 7 sends never answered"), md);
        assertTrue(md.contains("e2e-1k against Pulsar proxy: 100 messages acknowledged, 98 delivered"), md);
        assertTrue(md.contains("flood-read against ours: 50 sends answered ok, but the broker counted 49"), md);
        assertTrue(md.contains("flood-read against ours: the session was closed (1008 Client too slow)"), md);
    }

    @Test
    void errorsAndIncompleteRunsAreListed() {
        Map<String, Map<String, Properties>> r = new LinkedHashMap<>();
        r.put("consume-100", new LinkedHashMap<>(Map.of(Report.OURS, props("complete", "false", "count", "12"))));
        r.put("produce-10", new LinkedHashMap<>(Map.of(Report.PROXY, props("errors", "3", "firstError", "boom"))));
        String md = report(r).markdown("m");
        assertTrue(md.contains("consume-100 against ours: drained 12 messages only"), md);
        assertTrue(md.contains("produce-10 against Pulsar proxy: 3 errors (first: boom)"), md);
    }

    @Test
    void numbersAndRatiosFormat() {
        assertEquals("-", Report.ratio(1, Double.NaN));
        assertEquals("-", Report.ratio(1, 0));
        assertEquals("12x", Report.ratio(120, 10));
        assertEquals("0.25x", Report.ratio(1, 4));
        assertEquals("1,235", Report.num(1234.6, 0));
    }

    @Test
    void procStatFieldsAreReadPastACommandWithSpaces() {
        String stat = "4242 (java (karaf) x) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 80 0 100 0 0";
        assertEquals(3.0, ProcStats.cpuSecondsOf(stat, 100), 1e-9);
        assertEquals(512.0, ProcStats.kbToMb("VmRSS:\t  524288 kB"), 1e-9);
    }
}
