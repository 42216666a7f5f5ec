package io.pulsarws.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes the suite starts. Each gets a watchdog that ends it when the suite's JVM is gone (even after
 * {@code kill -9}); {@link #stopAll} ends them by pid, SIGTERM first.
 */
final class Children {
    private final List<Process> started = new ArrayList<>();
    private final List<Process> watchdogs = new ArrayList<>();

    synchronized Process start(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        started.add(p);
        long self = ProcessHandle.current().pid();
        watchdogs.add(new ProcessBuilder(
                        "bash",
                        "-c",
                        "while kill -0 " + self + " 2>/dev/null && kill -0 " + p.pid()
                                + " 2>/dev/null; do sleep 1; done; kill " + p.pid() + " 2>/dev/null")
                .start());
        return p;
    }

    /** SIGTERM, then SIGKILL after {@code graceSeconds}. */
    static void stop(Process p, int graceSeconds) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    synchronized void stopAll() {
        for (Process p : started) {
            try {
                stop(p, 30);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        watchdogs.forEach(Process::destroy);
    }
}
