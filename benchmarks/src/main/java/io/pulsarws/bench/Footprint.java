package io.pulsarws.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one idle session costs on a gateway's heap, and who holds it: two class histograms of the live heap
 * ({@code jcmd PID GC.class_histogram}, which collects first), one before the sessions and one while they are held,
 * their difference divided by the sessions held, grouped by the package of each class. Classes of the JDK
 * ({@code byte[]}, {@code HashMap$Node}, ...) belong to whoever made them; they are counted apart, not guessed at.
 */
final class Footprint {
    /** Who holds a class's objects, in report order; {@link #key} names its property. */
    enum Group {
        JETTY("Jetty and Pax Web"),
        SESSION("the gateway's own session classes"),
        PULSAR("the Pulsar client (producer, Netty, OpenTelemetry attributes)"),
        JDK("JDK types and other libraries (byte[], maps, Jackson, ...) made by any of them");

        private final String label;

        Group(String label) {
            this.label = label;
        }

        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        String label() {
            return label;
        }
    }

    private static final Pattern LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    private Footprint() {}

    /** @return bytes per class name of a histogram's text (classes of one name in several loaders summed) */
    static Map<String, Long> parse(String histogram) {
        Map<String, Long> bytes = new HashMap<>();
        for (String line : histogram.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.find()) {
                bytes.merge(m.group(3), Long.parseLong(m.group(2)), Long::sum);
            }
        }
        return bytes;
    }

    /**
     * The group of a class: Jetty and Pax Web; the gateway's own sessions (ours, or the classes of Pulsar's
     * proxy); the Pulsar client with its Netty and the OpenTelemetry attributes it makes per producer; the rest
     * (JDK types and other libraries, whoever allocated them).
     */
    static Group group(String className) {
        if (className.startsWith("org.eclipse.jetty.") || className.startsWith("org.ops4j.pax.web.")) {
            return Group.JETTY;
        }
        if (className.startsWith("io.pulsarws.") || className.startsWith("org.apache.pulsar.websocket.")) {
            return Group.SESSION;
        }
        if (className.startsWith("org.apache.pulsar.")
                || className.startsWith("io.netty.")
                || className.startsWith("io.opentelemetry.")) {
            return Group.PULSAR;
        }
        return Group.JDK;
    }

    /** @return bytes per session of each group, and "total", from histograms before and during the hold */
    static Map<String, Double> perSession(Map<String, Long> before, Map<String, Long> held, long sessions) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Group g : Group.values()) {
            out.put(g.key(), 0.0);
        }
        double total = 0;
        for (Map.Entry<String, Long> e : delta(before, held).entrySet()) {
            double each = (double) e.getValue() / sessions;
            out.merge(group(e.getKey()).key(), each, Double::sum);
            total += each;
        }
        out.put("total", total);
        return out;
    }

    /** @return the growth of every class between the two histograms (negative when it shrank) */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> held) {
        Map<String, Long> d = new HashMap<>();
        held.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        before.forEach((k, v) -> d.putIfAbsent(k, -v));
        return d;
    }

    /** @return the classes that grew most, as "bytes-per-session class" lines */
    static List<String> top(Map<String, Long> before, Map<String, Long> held, long sessions, int n) {
        List<String> lines = new ArrayList<>();
        delta(before, held).entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(n)
                .forEach(e -> lines.add(String.format(
                        java.util.Locale.ROOT, "%8.0f B  %s", (double) e.getValue() / sessions, e.getKey())));
        return lines;
    }

    /** @return the live-heap class histogram of a JVM of this user (a full collection first) */
    static String histogram(long pid) throws IOException, InterruptedException {
        return ProcStats.jcmd(pid, "GC.class_histogram");
    }
}
