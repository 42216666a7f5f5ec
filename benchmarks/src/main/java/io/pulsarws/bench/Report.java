package io.pulsarws.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/** The suite's figures as a Markdown table with ratios, followed by the targets of issue 5, met or missed. */
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

    /** Gateway CPU seconds per 100,000 messages of a load. */
    double cpuPer100k(String load, String target) {
        return perHundredK(load, target, "gatewayCpu");
    }

    private double perHundredK(String load, String target, String key) {
        double total = value(load, target, "total");
        return total > 0 ? value(load, target, key) / total * 100_000 : Double.NaN;
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
        throughput(b, "consumer msg/s, 100 B, draining a 100k backlog", "consume-100");
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
                t -> perHundredK("produce-100", t, "clientCpu"),
                true,
                1);
        row(b, "gateway RSS MiB after start", t -> value("idle-rss", t, "rss"), true, 0);
        row(b, "gateway peak RSS MiB, producing 100 B", t -> value("produce-100", t, "gatewayPeakRss"), true, 0);
        row(b, "gateway peak RSS MiB, 64 KiB messages", t -> value("produce-64k", t, "gatewayPeakRss"), true, 0);
        row(b, "flood (16 KiB, no window): gateway peak RSS MiB", t -> value("flood", t, "gatewayPeakRss"), true, 0);
        row(b, "flood: messages stored per s", t -> value("flood", t, "throughput"), false, 0);
        row(b, "flood: sends refused (send-error)", t -> value("flood", t, "errors"), true, 0);
        row(b, "idle sessions held", t -> value("idle", t, "stillOpen"), false, 0);
        row(b, "gateway peak RSS MiB holding them", t -> value("idle", t, "gatewayPeakRss"), true, 0);
        row(b, "seconds to open them", t -> value("idle", t, "openSeconds"), true, 1);
        row(b, "gateway RSS MiB at the end", t -> value("final-rss", t, "rss"), true, 0);
        b.append("\nRatios of throughput: higher is better; of latency, CPU and memory: lower is better.\n");
        b.append("\n").append(targets());
        List<String> problems = problems();
        if (!problems.isEmpty() || !notes.isEmpty()) {
            b.append("\nNotes:\n");
            problems.forEach(n -> b.append("- ").append(n).append('\n'));
            notes.forEach(n -> b.append("- ").append(n).append('\n'));
        }
        return b.toString();
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

    /** Issue 5's targets against this run's figures. */
    String targets() {
        StringBuilder b = new StringBuilder("Targets:\n");
        double pProxy = value("produce-100", PROXY, "throughput");
        double pOurs = value("produce-100", OURS, "throughput");
        double pNative = value("produce-100", NATIVE, "throughput");
        check(b, "producer >= 5x Pulsar's proxy", pOurs / pProxy, 5, true);
        check(b, "producer >= 0.6x the native client (unbatched)", pOurs / pNative, 0.6, true);
        check(
                b,
                "consumer >= 5x Pulsar's proxy",
                value("consume-100", OURS, "throughput") / value("consume-100", PROXY, "throughput"),
                5,
                true);
        check(
                b,
                "p99 send->ack at 1,000 msg/s <= 0.5x Pulsar's proxy",
                value("rate-1k", OURS, "p99") / value("rate-1k", PROXY, "p99"),
                0.5,
                false);
        double flood = value("flood", OURS, "gatewayPeakRss");
        b.append(String.format(
                Locale.ROOT,
                "- gateway peak RSS under the flood <= %d MiB: %s (%s MiB)%n",
                rssBoundMb,
                flood <= rssBoundMb ? "met" : "MISSED",
                num(flood, 0)));
        double held = value("idle", OURS, "stillOpen");
        b.append(String.format(
                Locale.ROOT,
                "- 10,000 idle sessions on one node: %s (%s held)%n",
                held >= 10_000 ? "met" : "MISSED",
                num(held, 0)));
        return b.toString();
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
            if (!"0".equals(errors) && !"flood".equals(load)) {
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
                out.add(target + " did not store a message after the flood");
            }
            if (p.getProperty("refused") != null && !"0".equals(p.getProperty("refused"))) {
                out.add(load + " against " + target + ": " + p.getProperty("refused") + " sessions refused (first: "
                        + p.getProperty("firstError") + ")");
            }
        }));
        return out;
    }
}
