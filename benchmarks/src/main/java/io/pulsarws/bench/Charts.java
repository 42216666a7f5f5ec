package io.pulsarws.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The suite's results as SVG pictures: throughput of each load for each target, and latency percentile curves of
 * the open-loop loads, Pulsar's proxy, ours and the native client on one chart. {@link Suite} draws them at the end
 * of a run; {@code java io.pulsarws.bench.Charts RESULTS_DIR OUT_DIR} draws them again from a run's results.
 */
final class Charts {
    static final List<String> TARGETS = List.of(Report.PROXY, Report.OURS, Report.NATIVE);
    private static final Map<String, String> COLOURS =
            Map.of(Report.PROXY, "#8c8c8c", Report.OURS, "#1f6fb4", Report.NATIVE, "#2e9c4a");
    /** The loads whose rate is drawn, with their labels. */
    static final List<String[]> THROUGHPUT = List.of(
            new String[] {"produce-100", "produce 100 B, 200 in flight"},
            new String[] {"produce-100-4c", "produce 100 B, 4 x 200 in flight"},
            new String[] {"produce-100-batch", "produce 100 B, batching"},
            new String[] {"produce-10", "produce 10 B, 200 in flight"},
            new String[] {"produce-64k", "produce 64 KiB, 50 in flight"},
            new String[] {"consume-100", "consume 100 B backlog"},
            new String[] {"flood-read", "flood 16 KiB, results read"},
            new String[] {"flood-ignored", "flood 16 KiB, results ignored"},
            new String[] {"flood-unread", "flood 16 KiB, results unread"});
    /** The fan-out loads (issue 25): deliveries per second to every client of one topic. */
    static final List<String[]> FANOUT = List.of(
            new String[] {"fanout-100", "100 readers"},
            new String[] {"fanout-1000", "1,000 readers"},
            new String[] {"fanout-5000", "5,000 readers"},
            new String[] {"fanout-shared-1000", "1,000 consumers, a subscription each"});
    /** The percentiles a latency curve has, and the keys of the send→ack and publish→delivery figures. */
    static final List<String> PERCENTILES = List.of("50", "90", "99", "99.9", "99.99", "max");

    private static final List<String> ACK_KEYS = List.of("p50", "p90", "p99", "p999", "p9999", "max");
    private static final List<String> E2E_KEYS = List.of("e2eP50", "e2eP90", "e2eP99", "e2eP999", "e2eP9999", "e2eMax");

    private Charts() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Charts RESULTS_DIR OUT_DIR");
            System.exit(2);
        }
        write(read(Paths.get(args[0])), Paths.get(args[1]));
    }

    /** Writes every chart into {@code dir}. */
    static List<Path> write(Map<String, Map<String, Properties>> results, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> charts = new LinkedHashMap<>();
        charts.put("benchmarks-throughput.svg", throughput(results));
        charts.put(
                "benchmarks-fanout.svg",
                bars(results, FANOUT, "Deliveries per second to all clients of one topic (fan-out), per load"));
        charts.put("benchmarks-latency-1k.svg", latency(results, "rate-1k", ACK_KEYS, "send→ack at 1,000 msg/s (ms)"));
        charts.put("benchmarks-latency-5k.svg", latency(results, "rate-5k", ACK_KEYS, "send→ack at 5,000 msg/s (ms)"));
        charts.put(
                "benchmarks-e2e-1k.svg", latency(results, "e2e-1k", E2E_KEYS, "publish→delivery at 1,000 msg/s (ms)"));
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, String> c : charts.entrySet()) {
            Path p = dir.resolve(c.getKey());
            Files.writeString(p, c.getValue());
            written.add(p);
        }
        return written;
    }

    /** Reads a run's {@code <load>-<target>.properties} files (the target's spaces written as dashes). */
    static Map<String, Map<String, Properties>> read(Path dir) throws IOException {
        Map<String, Map<String, Properties>> results = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".properties")) {
                    continue;
                }
                String base = name.substring(0, name.length() - ".properties".length());
                for (String target : TARGETS) {
                    String suffix = "-" + target.replace(' ', '-');
                    if (base.endsWith(suffix)) {
                        Properties p = new Properties();
                        try (InputStream in = Files.newInputStream(f)) {
                            p.load(in);
                        }
                        results.computeIfAbsent(
                                        base.substring(0, base.length() - suffix.length()), k -> new LinkedHashMap<>())
                                .put(target, p);
                    }
                }
            }
        }
        return results;
    }

    /**
     * Horizontal bars, one group per load. Loads differ in scale by a factor of 100, so each group is drawn against
     * its own largest figure; every bar carries its figure.
     */
    static String throughput(Map<String, Map<String, Properties>> results) {
        return bars(results, THROUGHPUT, "Messages per second (the broker stored), per load");
    }

    /** Horizontal bars of each load's {@code throughput}, one group per load of {@code which} that was run. */
    static String bars(Map<String, Map<String, Properties>> results, List<String[]> which, String title) {
        int labelW = 230;
        int barW = 420;
        int barH = 11;
        int groupGap = 12;
        List<String[]> loads =
                which.stream().filter(l -> results.containsKey(l[0])).toList();
        int height = 50 + loads.size() * (TARGETS.size() * (barH + 2) + groupGap) + 30;
        StringBuilder b = header(labelW + barW + 110, height, title);
        int y = 45;
        for (String[] l : loads) {
            double max = 0;
            for (String t : TARGETS) {
                double v = Report.figure(results, l[0], t, "throughput");
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
            text(b, 10, y + (TARGETS.size() * (barH + 2)) / 2 + 4, l[1], "start", 12);
            for (String t : TARGETS) {
                double v = Report.figure(results, l[0], t, "throughput");
                if (!Double.isNaN(v) && max > 0) {
                    double w = Math.max(1, v / max * barW);
                    b.append(String.format(
                            Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                            labelW,
                            y,
                            w,
                            barH,
                            COLOURS.get(t)));
                    text(b, labelW + w + 5, y + barH - 1, Report.num(v, 0), "start", 10);
                }
                y += barH + 2;
            }
            y += groupGap;
        }
        legend(b, 10, height - 15);
        return b.append("</svg>\n").toString();
    }

    /** Latency percentile curves of one load: x the percentiles, y milliseconds on a log scale. */
    static String latency(Map<String, Map<String, Properties>> results, String load, List<String> keys, String title) {
        int left = 60;
        int top = 40;
        int w = 520;
        int h = 260;
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (String t : TARGETS) {
            for (String k : keys) {
                double v = Report.figure(results, load, t, k);
                if (!Double.isNaN(v) && v > 0) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        StringBuilder b = header(left + w + 40, top + h + 70, title);
        if (hi == 0) {
            text(b, left, top + 20, "not measured in this run", "start", 12);
            return b.append("</svg>\n").toString();
        }
        double logLo = Math.floor(Math.log10(lo));
        double logHi = Math.ceil(Math.log10(hi));
        if (logHi == logLo) {
            logHi += 1;
        }
        b.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n",
                left,
                top,
                w,
                h));
        for (double d = logLo; d <= logHi; d++) {
            double y = top + h - (d - logLo) / (logHi - logLo) * h;
            b.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>%n",
                    left,
                    y,
                    left + w,
                    y));
            text(b, left - 6, y + 4, Report.num(Math.pow(10, d), d < 0 ? (int) -d : 0), "end", 10);
        }
        double step = w / (double) (PERCENTILES.size() - 1);
        for (int i = 0; i < PERCENTILES.size(); i++) {
            String p = PERCENTILES.get(i);
            text(b, left + i * step, top + h + 16, p.equals("max") ? "max" : "p" + p, "middle", 10);
        }
        for (String t : TARGETS) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < keys.size(); i++) {
                double v = Report.figure(results, load, t, keys.get(i));
                if (Double.isNaN(v) || v <= 0) {
                    continue;
                }
                double x = left + i * step;
                double y = top + h - (Math.log10(v) - logLo) / (logHi - logLo) * h;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                b.append(String.format(
                        Locale.ROOT,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s %s: %s ms</title></circle>%n",
                        x,
                        y,
                        COLOURS.get(t),
                        t,
                        PERCENTILES.get(i),
                        Report.num(v, 2)));
            }
            if (points.length() > 0) {
                b.append(String.format(
                        Locale.ROOT,
                        "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                        points.toString().trim(),
                        COLOURS.get(t)));
            }
        }
        legend(b, left, top + h + 45);
        return b.append("</svg>\n").toString();
    }

    private static StringBuilder header(int width, int height, String title) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"sans-serif\">%n",
                width,
                height,
                width,
                height));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        text(b, 10, 22, title, "start", 14);
        return b;
    }

    private static void legend(StringBuilder b, int x, int y) {
        int at = x;
        for (String t : TARGETS) {
            b.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    at,
                    y - 10,
                    COLOURS.get(t)));
            String label = t.equals(Report.NATIVE) ? "native Java client" : t.equals(Report.OURS) ? "this gateway" : t;
            text(b, at + 16, y, label, "start", 11);
            at += 150;
        }
    }

    private static void text(StringBuilder b, double x, double y, String s, String anchor, int size) {
        b.append(String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n",
                x,
                y,
                size,
                anchor,
                s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")));
    }
}
