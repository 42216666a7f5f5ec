package io.pulsarws.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** CPU time and memory of a process, from Linux's {@code /proc}. */
final class ProcStats {
    /** Clock ticks per second of {@code /proc/PID/stat}'s times (USER_HZ: 100 on every Linux we run on). */
    private final double ticksPerSecond;

    ProcStats(double ticksPerSecond) {
        this.ticksPerSecond = ticksPerSecond;
    }

    /** @return user plus system CPU seconds the process has used, or NaN if it is gone */
    double cpuSeconds(long pid) {
        String[] f = fields(pid);
        return f == null ? Double.NaN : (Long.parseLong(f[UTIME]) + Long.parseLong(f[STIME])) / ticksPerSecond;
    }

    /**
     * @param key a line of {@code /proc/PID/io}, e.g. {@code syscr} (read calls) or {@code syscw} (write calls)
     * @return its count, or -1 if the process is gone or the file cannot be read
     */
    static long ioCount(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "io"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not ours to read
        }
        return -1;
    }

    /** @return system (kernel) CPU seconds the process has used, or NaN if it is gone */
    double systemSeconds(long pid) {
        String[] f = fields(pid);
        return f == null ? Double.NaN : Long.parseLong(f[STIME]) / ticksPerSecond;
    }

    /** Indexes of utime (field 14) and stime (field 15) in {@link #fieldsOf}, which starts at field 3. */
    private static final int UTIME = 11;

    private static final int STIME = 12;

    private static String[] fields(long pid) {
        try {
            return fieldsOf(Files.readString(Paths.get("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return null;
        }
    }

    /** The fields of a stat line from field 3 (state) on: the command name in parentheses may hold spaces. */
    static String[] fieldsOf(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    }

    /** User plus system CPU seconds of a stat line. */
    static double cpuSecondsOf(String stat, double ticksPerSecond) {
        String[] f = fieldsOf(stat);
        return (Long.parseLong(f[UTIME]) + Long.parseLong(f[STIME])) / ticksPerSecond;
    }

    /** @return this process's hard limit of open files (children inherit it), or Long.MAX_VALUE if unlimited */
    static long openFilesHardLimit() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String hard =
                            line.substring("Max open files".length()).trim().split("\\s+")[1];
                    return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: assume no limit worth noting
        }
        return Long.MAX_VALUE;
    }

    /**
     * Runs a diagnostic command in a JVM of this user.
     *
     * @return what it printed
     * @throws IOException if it failed or took over two minutes
     */
    static String jcmd(long pid, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        cmd.addAll(List.of(args));
        // into a file, so that a jcmd that hangs cannot hold this thread past the timeout
        java.nio.file.Path out = Files.createTempFile("jcmd", ".txt");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            boolean ended = p.waitFor(2, TimeUnit.MINUTES);
            String printed = Files.readString(out, StandardCharsets.UTF_8);
            if (!ended || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("jcmd " + pid + " " + String.join(" ", args) + " failed: " + printed);
            }
            return printed;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** @return resident set size (VmRSS) in MiB, or NaN */
    /** @return the JVM's committed heap in MiB ({@code jcmd PID GC.heap_info}), or NaN if it cannot be read */
    static double committedHeapMb(long pid) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                            "heap\\s+total (?:reserved \\d+K, committed )?(\\d+)K")
                    .matcher(jcmd(pid, "GC.heap_info"));
            return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
        } catch (IOException | InterruptedException e) {
            return Double.NaN;
        }
    }

    static double rssMb(long pid) {
        return statusMb(pid, "VmRSS:");
    }

    /** @return peak resident set size (VmHWM) in MiB, or NaN */
    static double peakRssMb(long pid) {
        return statusMb(pid, "VmHWM:");
    }

    private static double statusMb(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key)) {
                    return kbToMb(line);
                }
            }
        } catch (IOException e) {
            // gone
        }
        return Double.NaN;
    }

    static double kbToMb(String statusLine) {
        String[] f = statusLine.trim().split("\\s+");
        return Long.parseLong(f[1]) / 1024.0;
    }
}
