package io.pulsarws.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/** The suite's figures as a Markdown table with ratios, followed by the targets of issue 14, met or missed. */
final class Report {
    static final String PROXY = "Pulsar proxy";
    static final String OURS = "ours";
    static final String NATIVE = "native";

    private final Map<String, Map<String, Properties>> results;
    private final List<Suite.Gateway> gateways;
    private final int rssBoundMb;
    private final List<String> notes;

    Report(
            Map<String, Map<String, Properties>> results,
            List<Suite.Gateway> gateways,
            int rssBoundMb,
            List<String> notes) {
        this.results = results;
        this.gateways = gateways;
        this.rssBoundMb = rssBoundMb;
        this.notes = notes;
    }

    /** A figure of one target, or NaN if it was not measured. */
    double value(String load, String target, String key) {
        return figure(results, load, target, key);
    }

    /** A figure of one target in a run's results, or NaN if it was not measured. */
    static double figure(Map<String, Map<String, Properties>> results, String load, String target, String key) {
        Properties p = results.getOrDefault(load, Map.of()).get(target);
        if (p == null || p.getProperty(key) == null) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(p.getProperty(key));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /**
     * Gateway CPU seconds per 100,000 messages of a load: the CPU of its measured seconds (read by the load tool
     * from /proc when they began and ended) over the messages of those seconds; JVM start, warm-up and drain are
     * left out.
     */
    double cpuPer100k(String load, String target) {
        return per100k(load, target, "gatewayCpuMeasured");
    }

    /** CPU seconds of one process ({@code gateway}, {@code broker} or {@code tool}) per 100,000 measured messages. */
    private double per100k(String load, String target, String key) {
        double measured = value(load, target, "count");
        return measured > 0 ? value(load, target, key) / measured * 100_000 : Double.NaN;
    }

    /**
     * The CPU of every process of a load per 100,000 messages: the broker, the load tool and the gateway (the native
     * client has none). On a machine shared by all of them, this is what bounds the rate.
     */
    double allCpuPer100k(String load, String target) {
        double gateway = cpuPer100k(load, target);
        return per100k(load, target, "brokerCpuMeasured")
                + per100k(load, target, "toolCpuMeasured")
                + (Double.isNaN(gateway) && NATIVE.equals(target) ? 0 : gateway);
    }

    String markdown(String machine) {
        StringBuilder b = new StringBuilder();
        b.append("Machine: ").append(machine).append("\n\n");
        b.append("| measure | Pulsar proxy | ours | native client | ours / proxy | ours / native |\n");
        b.append("|---|---:|---:|---:|---:|---:|\n");
        throughput(b, "producer msg/s, 100 B, 1 session, 200 in flight", "produce-100");
        throughput(b, "producer msg/s, 100 B, 4 sessions x 200 in flight", "produce-100-4c");
        throughput(b, "producer msg/s, 100 B, 1 session, 200 in flight, batchingEnabled=true", "produce-100-batch");
        throughput(b, "producer msg/s, 10 B, 1 session, 200 in flight", "produce-10");
        throughput(b, "producer msg/s, 64 KiB, 1 session, 50 in flight", "produce-64k");
        throughput(b, "consumer msg/s, 100 B, draining a 400k backlog (after 40k of warm-up)", "consume-100");
        for (String rate : List.of("1k", "5k")) {
            String load = "rate-" + rate;
            String r = rate.equals("1k") ? "1,000" : "5,000";
            row(b, "send->ack p50 ms at " + r + " msg/s (open loop)", t -> value(load, t, "p50"), true, 2);
            row(b, "send->ack p99 ms at " + r + " msg/s", t -> value(load, t, "p99"), true, 2);
            row(b, "send->ack p99.9 ms at " + r + " msg/s", t -> value(load, t, "p999"), true, 2);
        }
        row(b, "publish->delivery p50 ms at 1,000 msg/s", t -> value("e2e-1k", t, "e2eP50"), true, 2);
        row(b, "publish->delivery p99 ms at 1,000 msg/s", t -> value("e2e-1k", t, "e2eP99"), true, 2);
        row(b, "gateway CPU s per 100k msgs, producing 100 B", t -> cpuPer100k("produce-100", t), true, 1);
        row(b, "gateway CPU s per 100k msgs, consuming 100 B", t -> cpuPer100k("consume-100", t), true, 1);
        row(
                b,
                "load tool CPU s per 100k msgs, producing 100 B",
                t -> per100k("produce-100", t, "toolCpuMeasured"),
                true,
                1);
        row(
                b,
                "broker CPU s per 100k msgs, producing 100 B",
                t -> per100k("produce-100", t, "brokerCpuMeasured"),
                true,
                1);
        row(
                b,
                "all three processes' CPU s per 100k msgs (gateway, broker, load tool), producing 100 B",
                t -> allCpuPer100k("produce-100", t),
                true,
                1);
        row(
                b,
                "all three processes' CPU s per 100k msgs, consuming 100 B",
                t -> allCpuPer100k("consume-100", t),
                true,
                1);
        row(b, "gateway RSS MiB after start", t -> value("idle-rss", t, "rss"), true, 0);
        row(
                b,
                "authorized handshake p50 ms, 1,000 roles with a grant each, one consumer each",
                t -> value("authz", t, "p50"),
                true,
                1);
        row(b, "authorized handshake p99 ms, the same", t -> value("authz", t, "p99"), true, 1);
        row(
                b,
                "RSS KiB per authorized session, the same, all held",
                t -> value("authz", t, "rssKibPerSession"),
                true,
                1);
        row(b, "authorized handshakes refused, the same", t -> value("authz", t, "refused"), true, 0);
        row(
                b,
                "the floor under ours: the same Karaf without HTTP and the gateway, RSS MiB after start",
                t -> value("karaf-bare-rss", t, "rss"),
                true,
                0);
        row(b, "gateway peak RSS MiB, producing 100 B", t -> value("produce-100", t, "gatewayPeakRss"), true, 0);
        row(b, "gateway peak RSS MiB, 64 KiB messages", t -> value("produce-64k", t, "gatewayPeakRss"), true, 0);
        for (String reading : List.of("read", "ignored", "unread")) {
            String load = "flood-" + reading;
            String what = "flood, 16 KiB, no window, results " + reading + ": ";
            row(b, what + "messages the broker stored per s", t -> value(load, t, "throughput"), false, 0);
            row(b, what + "gateway peak RSS MiB", t -> value(load, t, "gatewayPeakRss"), true, 0);
            if (reading.equals("read")) {
                row(b, what + "sends refused (send-error)", t -> value(load, t, "errors"), true, 0);
            }
        }
        row(b, "idle sessions held", t -> value("idle", t, "stillOpen"), false, 0);
        row(b, "gateway peak RSS MiB holding them", t -> value("idle", t, "gatewayPeakRss"), true, 0);
        row(b, "seconds to open them", t -> value("idle", t, "openSeconds"), true, 1);
        row(b, "RSS KiB per idle session: (peak holding them - after start) / sessions", this::rssPerSession, true, 1);
        row(b, "live heap KiB per idle session", t -> value("idle", t, "heapPerSession.total") / 1024, true, 1);
        for (Footprint.Group group : Footprint.Group.values()) {
            row(
                    b,
                    "- of which " + group.label(),
                    t -> value("idle", t, "heapPerSession." + group.key()) / 1024,
                    true,
                    1);
        }
        row(
                b,
                "busy sessions: consumers receiving 10 msg/s each (1,000 on 100 topics), deliveries per s",
                t -> value("busy-1000", t, "throughput"),
                false,
                0);
        row(b, "- publish->delivery p99 ms", t -> value("busy-1000", t, "p99"), true, 1);
        row(b, "- gateway CPU s per 100k deliveries", t -> cpuPer100k("busy-1000", t), true, 2);
        row(
                b,
                "- RSS KiB per busy session: (peak during the load - before it) / sessions",
                this::rssPerBusySession,
                true,
                1);
        row(
                b,
                "HTTP fallback: POSTs of 100 send frames, 200 in flight, msg/s (ours / our WebSocket producer: "
                        + ratio(value("post-100", OURS, "throughput"), value("produce-100", OURS, "throughput"))
                        + ")",
                t -> value("post-100", t, "throughput"),
                false,
                0);
        row(
                b,
                "HTTP fallback: event stream draining a backlog, autoAck, msg/s (ours / our WebSocket consumer: "
                        + ratio(value("sse-consume-100", OURS, "throughput"), value("consume-100", OURS, "throughput"))
                        + ")",
                t -> value("sse-consume-100", t, "throughput"),
                false,
                0);
        row(
                b,
                "churn, 200 clients: open a consumer, take 1 message, close; per s",
                t -> value("churn-200", t, "throughput"),
                false,
                0);
        row(b, "- handshake p50 ms", t -> value("churn-200", t, "p50"), true, 1);
        row(b, "- handshake p99 ms", t -> value("churn-200", t, "p99"), true, 1);
        row(b, "- handshakes refused", t -> value("churn-200", t, "refused"), true, 0);
        row(b, "- gateway CPU s per 100k cycles", t -> cpuPer100k("churn-200", t), true, 1);
        results.keySet().stream()
                .filter(load -> load.matches("fanout-(shared-)?\\d+"))
                .sorted(java.util.Comparator.comparing((String load) -> load.contains("shared"))
                        .thenComparingInt(load -> Integer.parseInt(load.substring(load.lastIndexOf('-') + 1))))
                .forEach(load -> fanout(b, load));
        row(b, "gateway RSS MiB at the end", t -> value("final-rss", t, "rss"), true, 0);
        b.append("\nRatios of throughput: higher is better; of latency, CPU and memory: lower is better.\n");
        deflate(b);
        b.append("\n").append(targets());
        List<String> problems = problems();
        if (!problems.isEmpty() || !notes.isEmpty()) {
            b.append("\nNotes:\n");
            problems.forEach(n -> b.append("- ").append(n).append('\n'));
            notes.forEach(n -> b.append("- ").append(n).append('\n'));
        }
        return b.toString();
    }

    /** permessage-deflate on our gateway, without and with; nothing when those loads did not run. */
    private void deflate(StringBuilder b) {
        if (!results.containsKey("deflate-on") || !results.containsKey("deflate-off")) {
            return;
        }
        b.append("\npermessage-deflate on our gateway: one producer (200 in flight) and a consumer, 1 KiB payloads of ")
                .append("JSON text in base64 send frames, without and with compression:\n\n")
                .append("| measure | without | with | with / without |\n|---|---:|---:|---:|\n");
        deflateRow(b, "messages per s (acked)", "deflate", l -> value(l, OURS, "throughput"), 0);
        deflateRow(
                b,
                "bytes on the wire per message, client to gateway (send frame, ack)",
                "deflate",
                l -> value(l, OURS, "wireOut") / value(l, OURS, "count"),
                0);
        deflateRow(
                b,
                "bytes on the wire per message, gateway to client (result, delivery)",
                "deflate",
                l -> value(l, OURS, "wireIn") / value(l, OURS, "count"),
                0);
        deflateRow(b, "gateway CPU s per 100k messages", "deflate", l -> cpuPer100k(l, OURS), 1);
        deflateRow(
                b,
                "load tool CPU s per 100k messages",
                "deflate",
                l -> value(l, OURS, "toolCpuMeasured") * 100_000 / value(l, OURS, "count"),
                1);
        deflateRow(b, "gateway peak RSS MiB", "deflate", l -> value(l, OURS, "gatewayPeakRss"), 0);
        deflateRow(
                b,
                "live heap KiB per session held after sending one message",
                "held",
                l -> value(l, OURS, "heapPerSession.total") / 1024,
                1);
        deflateRow(
                b,
                "RSS KiB per session held, after a full GC",
                "held",
                l -> value(l, OURS, "held1.rssKibPerSession"),
                1);
        deflateRow(
                b,
                "- of which outside the heap (RSS growth less the committed heap's)",
                "held",
                l -> value(l, OURS, "held1.nativeKibPerSession"),
                1);
        deflateRow(
                b,
                "- outside the heap, once all are closed again",
                "held",
                l -> value(l, OURS, "closed1.nativeKibPerSession"),
                1);
        deflateRow(
                b,
                "- outside the heap, since the start, holding 1,000 new ones after those closed: the same if it levels off, twice if every session adds",
                "held",
                l -> value(l, OURS, "held2.nativeKibPerSession"),
                1);
    }

    private void deflateRow(StringBuilder b, String label, String prefix, Function<String, Double> of, int decimals) {
        double off = of.apply(prefix.equals("held") ? "held-plain" : "deflate-off");
        double on = of.apply(prefix.equals("held") ? "held-deflate" : "deflate-on");
        b.append("| ")
                .append(label)
                .append(" | ")
                .append(num(off, decimals))
                .append(" | ")
                .append(num(on, decimals))
                .append(" | ")
                .append(ratio(on, off))
                .append(" |\n");
    }

    /** KiB of RSS per busy session: what the gateway's RSS rose by while it held them, over how many it held. */
    double rssPerBusySession(String target) {
        double sessions = value("busy-1000", target, "sessions");
        double rise = value("busy-1000", target, "gatewayPeakRss") - value("busy-1000", target, "gatewayRssBefore");
        return sessions > 0 ? rise * 1024 / sessions : Double.NaN;
    }

    /** The rows of one fan-out load: its burst of handshakes, then its deliveries and what they cost. */
    private void fanout(StringBuilder b, String load) {
        String n = String.format(
                java.util.Locale.ROOT, "%,d", Integer.parseInt(load.substring(load.lastIndexOf('-') + 1)));
        String clients = load.contains("shared") ? " consumers (a Shared subscription each)" : " readers";
        row(b, "burst: " + n + clients + " connecting at once, refused", t -> value(load, t, "burstRefused"), true, 0);
        row(b, "- seconds until the last of them was open", t -> value(load, t, "burstSeconds"), true, 2);
        row(b, "- handshake p99 ms", t -> value(load, t, "handshakeP99"), true, 0);
        row(b, "fan-out to " + n + clients + ": deliveries per s", t -> value(load, t, "throughput"), false, 0);
        row(b, "- publish->delivery p50 ms", t -> value(load, t, "p50"), true, 0);
        row(b, "- publish->delivery p99 ms", t -> value(load, t, "p99"), true, 0);
        row(b, "- gateway CPU s per 100k deliveries", t -> cpuPer100k(load, t), true, 2);
        row(b, "- broker CPU s per 100k deliveries", t -> per100k(load, t, "brokerCpuMeasured"), true, 2);
        row(b, "- load tool CPU s per 100k deliveries", t -> per100k(load, t, "toolCpuMeasured"), true, 2);
        row(b, "- gateway socket writes per 100 deliveries", t -> per100k(load, t, "gatewayWrites") / 1000, true, 1);
        row(b, "- load tool socket reads per 100 deliveries", t -> per100k(load, t, "toolReads") / 1000, true, 1);
        row(b, "- gateway peak RSS MiB", t -> value(load, t, "gatewayPeakRss"), true, 0);
    }

    private void throughput(StringBuilder b, String label, String load) {
        row(b, label, t -> value(load, t, "throughput"), false, 0);
    }

    private void row(StringBuilder b, String label, Function<String, Double> of, boolean lowerIsBetter, int decimals) {
        double proxy = of.apply(PROXY);
        double ours = of.apply(OURS);
        double nat = of.apply(NATIVE);
        b.append("| ")
                .append(label)
                .append(" | ")
                .append(num(proxy, decimals))
                .append(" | ")
                .append(num(ours, decimals))
                .append(" | ")
                .append(num(nat, decimals))
                .append(" | ")
                .append(ratio(ours, proxy))
                .append(" | ")
                .append(ratio(ours, nat))
                .append(" |\n");
    }

    static String num(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "-";
        }
        double r = a / b;
        return String.format(Locale.ROOT, r >= 10 ? "%.0fx" : "%.2fx", r);
    }

    /** Issue 14's targets against this run's figures. */
    String targets() {
        StringBuilder b = new StringBuilder("Targets:\n");
        check(
                b,
                "producer (100 B, 1 session, 200 in flight) >= 0.8x the native client (unbatched)",
                ratio("produce-100", "throughput", NATIVE),
                0.8,
                true);
        for (String reading : List.of("ignored", "unread")) {
            check(
                    b,
                    "windowless flood (results " + reading + "), messages stored per s >= 1.0x Pulsar's proxy",
                    ratio("flood-" + reading, "throughput", PROXY),
                    1.0,
                    true);
        }
        double refused = value("flood-read", OURS, "errors");
        b.append(String.format(
                Locale.ROOT,
                "- windowless flood: zero refusals: %s (%s)%n",
                refused == 0 ? "met" : "MISSED",
                num(refused, 0)));
        double flood =
                Math.max(value("flood-ignored", OURS, "gatewayPeakRss"), value("flood-unread", OURS, "gatewayPeakRss"));
        b.append(String.format(
                Locale.ROOT,
                "- gateway peak RSS under the floods <= %d MiB: %s (%s MiB)%n",
                rssBoundMb,
                flood <= rssBoundMb ? "met" : "MISSED",
                num(flood, 0)));
        check(
                b,
                "consumer draining a backlog >= 0.95x the native client",
                ratio("consume-100", "throughput", NATIVE),
                0.95,
                true);
        check(b, "send->ack p50 at 1,000 msg/s <= 1.0x Pulsar's proxy", ratio("rate-1k", "p50", PROXY), 1.0, false);
        check(b, "send->ack p99 at 1,000 msg/s no worse than the proxy", ratio("rate-1k", "p99", PROXY), 1.0, false);
        check(b, "send->ack p99.9 at 1,000 msg/s no worse than the proxy", ratio("rate-1k", "p999", PROXY), 1.0, false);
        check(b, "gateway RSS after start <= 1.3x Pulsar's proxy", ratio("idle-rss", "rss", PROXY), 1.3, false);
        double held = value("idle", OURS, "stillOpen");
        double rss = value("idle", OURS, "gatewayPeakRss");
        b.append(String.format(
                Locale.ROOT,
                "- 100,000 idle producer sessions within 2 GiB RSS: %s (%s held, peak RSS %s MiB%s)%n",
                held >= 100_000 && rss <= 2048 ? "met" : "MISSED",
                num(held, 0),
                num(rss, 0),
                held >= 100_000
                        ? ""
                        : "; at the RSS per session measured, 100,000 would take " + num(projected(), 0) + " MiB"));
        return b.toString();
    }

    /**
     * @return KiB of RSS per idle session: the peak while opening and holding them less the RSS after start, over
     *     the sessions held. It counts the heap the collector keeps beyond the live objects too, so it is larger and
     *     steadier than the growth between two moments (which a collection in between moves either way).
     */
    double rssPerSession(String target) {
        return (value("idle", target, "gatewayPeakRss") - value("idle-rss", target, "rss"))
                * 1024
                / value("idle", target, "stillOpen");
    }

    /** @return MiB of RSS our gateway would hold with 100,000 idle sessions: after start, plus each session's share */
    double projected() {
        return value("idle-rss", OURS, "rss") + 100_000 * rssPerSession(OURS) / 1024;
    }

    /** @return ours divided by the other target's figure of a load */
    private double ratio(String load, String key, String other) {
        return value(load, OURS, key) / value(load, other, key);
    }

    private static void check(StringBuilder b, String what, double ratio, double bound, boolean atLeast) {
        boolean met = !Double.isNaN(ratio) && (atLeast ? ratio >= bound : ratio <= bound);
        b.append("- ")
                .append(what)
                .append(": ")
                .append(met ? "met" : "MISSED")
                .append(" (")
                .append(Double.isNaN(ratio) ? "not measured" : String.format(Locale.ROOT, "%.2fx", ratio))
                .append(")\n");
    }

    /** Errors, incomplete drains and closed sessions, so that no figure hides them. */
    private List<String> problems() {
        List<String> out = new ArrayList<>();
        results.forEach((load, byTarget) -> byTarget.forEach((target, p) -> {
            String errors = p.getProperty("errors", "0");
            if (!"0".equals(errors)) {
                out.add(load + " against " + target + ": " + errors + " errors (first: " + p.getProperty("firstError")
                        + ")");
            }
            if ("false".equals(p.getProperty("complete"))) {
                out.add(load + " against " + target + ": drained " + p.getProperty("count") + " messages only");
            }
            if ("false".equals(p.getProperty("gatewayAlive"))) {
                out.add(target + " was no longer running after " + load);
            }
            if ("false".equals(p.getProperty("servesAfter"))) {
                out.add(target + " did not store a message after " + load);
            }
            String unanswered = p.getProperty("unanswered", "0");
            if (!"0".equals(unanswered)) {
                out.add(load + " against " + target + ": " + unanswered + " sends never answered");
            }
            if (p.getProperty("acked") != null
                    && Long.parseLong(p.getProperty("deliveredAll", "0")) < Long.parseLong(p.getProperty("acked"))) {
                out.add(load + " against " + target + ": " + p.getProperty("acked") + " messages acknowledged, "
                        + p.getProperty("deliveredAll") + " delivered");
            }
            if (p.getProperty("closed") != null) {
                out.add(load + " against " + target + ": the session was closed (" + p.getProperty("closed") + ")");
            }
            if (p.getProperty("okResults") != null
                    && Long.parseLong(p.getProperty("okResults")) > Long.parseLong(p.getProperty("storedTotal", "0"))) {
                out.add(load + " against " + target + ": " + p.getProperty("okResults") + " sends answered ok, "
                        + "but the broker counted " + p.getProperty("storedTotal"));
            }

            if (p.getProperty("refused") != null && !"0".equals(p.getProperty("refused"))) {
                out.add(load + " against " + target + ": " + p.getProperty("refused") + " sessions refused (first: "
                        + p.getProperty("firstError") + ")");
            }
        }));
        return out;
    }
}
