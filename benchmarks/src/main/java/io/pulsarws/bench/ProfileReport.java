package io.pulsarws.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a gateway's time goes, from a JFR recording ({@code settings=profile}): CPU samples by thread group, by
 * top frame, by the first frame in each of a few layers (Jetty, Pulsar client, Netty, Jackson, ours), and
 * allocation by class.
 *
 * <pre>java -cp ... io.pulsarws.bench.ProfileReport FILE.jfr [TOP]</pre>
 */
public final class ProfileReport {
    /** Package prefixes and their layer, the more specific prefix first. */
    private static final List<Map.Entry<String, String>> LAYERS = List.of(
            Map.entry("io.pulsarws.", "gateway (io.pulsarws)"),
            Map.entry("com.fasterxml.jackson.", "Jackson"),
            Map.entry("org.eclipse.jetty.websocket.", "Jetty WebSocket"),
            Map.entry("org.eclipse.jetty.", "Jetty HTTP/IO"),
            Map.entry("org.apache.pulsar.shade.io.netty.", "Netty (in the Pulsar client)"),
            Map.entry("org.apache.pulsar.", "Pulsar client"),
            Map.entry("java.util.Base64", "Base64"));

    private ProfileReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ProfileReport FILE.jfr [TOP]");
            System.exit(2);
        }
        System.out.print(report(Paths.get(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 20));
    }

    static String report(Path jfr, int top) throws IOException {
        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> byTopFrame = new HashMap<>();
        Map<String, Long> byLayer = new HashMap<>();
        Map<String, Long> allocations = new HashMap<>();
        Map<String, Long> nativeByFrame = new HashMap<>();
        Map<String, Long> allocationSites = new HashMap<>();
        long nativeSamples = 0;
        long samples = 0;
        long allocated = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            if ("jdk.ExecutionSample".equals(type)) {
                samples++;
                String thread = e.getThread("sampledThread") == null
                        ? "?"
                        : e.getThread("sampledThread").getJavaName();
                byThread.merge(threadGroup(thread), 1L, Long::sum);
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                byTopFrame.merge(name(st.getFrames().get(0)), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : st.getFrames()) {
                    String layer = layer(f.getMethod().getType().getName());
                    if (layer != null && seen.add(layer)) {
                        byLayer.merge(layer, 1L, Long::sum);
                    }
                }
            } else if ("jdk.NativeMethodSample".equals(type)) {
                RecordedStackTrace st = e.getStackTrace();
                String thread = e.getThread("sampledThread") == null
                        ? "?"
                        : e.getThread("sampledThread").getJavaName();
                if (st != null && !st.getFrames().isEmpty() && busy(thread)) {
                    nativeSamples++;
                    nativeByFrame.merge(
                            threadGroup(thread) + " " + name(st.getFrames().get(0)), 1L, Long::sum);
                }
            } else if ("jdk.ObjectAllocationSample".equals(type)) {
                long w = e.getLong("weight");
                allocated += w;
                allocations.merge(e.getClass("objectClass").getName(), w, Long::sum);
                RecordedStackTrace st = e.getStackTrace();
                if (st != null) {
                    st.getFrames().stream()
                            .filter(f -> !f.getMethod().getType().getName().startsWith("java.")
                                    && !f.getMethod().getType().getName().startsWith("jdk."))
                            .findFirst()
                            .ifPresent(f -> allocationSites.merge(
                                    e.getClass("objectClass").getName() + " in " + name(f), w, Long::sum));
                }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT, "%d CPU samples; %.1f MiB allocation sampled%n", samples, allocated / 1048576.0));
        section(b, "CPU samples by thread", byThread, samples, top);
        section(b, "CPU samples with a frame of this layer on the stack (inclusive)", byLayer, samples, top);
        section(b, "CPU samples by top frame (self)", byTopFrame, samples, top);
        section(
                b,
                "samples in native code (system calls, waits) of the busy threads, by thread and method",
                nativeByFrame,
                nativeSamples,
                top);
        section(b, "allocation by class (sampled weight)", allocations, allocated, top);
        section(b, "allocation by class and first frame outside the JDK", allocationSites, allocated, top);
        return b.toString();
    }

    private static void section(StringBuilder b, String title, Map<String, Long> counts, long total, int top) {
        b.append('\n').append(title).append(":\n");
        List<Map.Entry<String, Long>> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .collect(Collectors.toList());
        for (Map.Entry<String, Long> en : sorted) {
            b.append(String.format(
                    Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * en.getValue() / Math.max(1, total), en.getKey()));
        }
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String layer(String className) {
        for (Map.Entry<String, String> l : LAYERS) {
            if (className.startsWith(l.getKey())) {
                return l.getValue();
            }
        }
        return null;
    }

    /** The threads that carry the load: Jetty's pool and the Pulsar client's event loops. */
    private static boolean busy(String thread) {
        return thread.startsWith("qtp") || thread.startsWith("pulsar-client-io");
    }

    /** Thread names without their numbers: {@code qtp123-45} and {@code qtp123-46} are one group. */
    static String threadGroup(String thread) {
        return thread.replaceAll("[0-9]+", "N");
    }
}
