package io.pulsarws.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/** CPU time and memory of a process, from Linux's {@code /proc}. */
final class ProcStats {
    /** Clock ticks per second of {@code /proc/PID/stat}'s times (USER_HZ: 100 on every Linux we run on). */
    private final double ticksPerSecond;

    ProcStats(double ticksPerSecond) {
        this.ticksPerSecond = ticksPerSecond;
    }

    /** @return user plus system CPU seconds the process has used, or NaN if it is gone */
    double cpuSeconds(long pid) {
        try {
            return cpuSecondsOf(Files.readString(Paths.get("/proc", Long.toString(pid), "stat")), ticksPerSecond);
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** @return system (kernel) CPU seconds the process has used, or NaN if it is gone */
    double systemSeconds(long pid) {
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Long.parseLong(f[12]) / ticksPerSecond;
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** Fields 14 and 15 (utime, stime) of a stat line; the command name in parentheses may hold spaces. */
    static double cpuSecondsOf(String stat, double ticksPerSecond) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state): utime is field 14, stime field 15
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / ticksPerSecond;
    }

    /** @return resident set size (VmRSS) in MiB, or NaN */
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
