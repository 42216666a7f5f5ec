package io.pulsarws.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Another gateway node: the product's assembly unpacked afresh into a work folder and run as a child process on
 * free ports ({@code bin/karaf server}, the script exec'ing the JVM so that the child's pid is Karaf's). It is
 * stopped by its pid: SIGTERM for a clean stop, SIGKILL for a crash, and can be started again on the same folder.
 * A watchdog kills it if the test's JVM dies first.
 */
final class ChildKaraf implements AutoCloseable {
    private final Path home;
    private final Path log;
    private final int httpPort;
    private final int sshPort;
    /** The password of the shell user {@link #shell} logs in as; random per node. */
    private final String password = Long.toHexString(new java.security.SecureRandom().nextLong());

    private Process process;
    private Process watchdog;

    /**
     * Unpacks the assembly and configures it; does not start it.
     *
     * @param work the folder to unpack into (emptied first)
     * @param settings per {@code .cfg} file of {@code etc/} (e.g. {@code io.pulsarws.gateway.cfg}), keys to set
     */
    ChildKaraf(Path work, String assembly, Map<String, Map<String, String>> settings) throws Exception {
        run(Files.createDirectories(work), "rm", "-rf", "karaf");
        Files.createDirectories(work.resolve("karaf"));
        run(work, "tar", "xzf", assembly, "-C", "karaf", "--strip-components=1");
        home = work.resolve("karaf");
        log = work.resolve("console.log");
        httpPort = GatewayTestSupport.freePort();
        set("org.ops4j.pax.web.cfg", "org.osgi.service.http.port", Integer.toString(httpPort));
        set("org.ops4j.pax.web.cfg", "org.ops4j.pax.web.listening.addresses", "127.0.0.1");
        sshPort = GatewayTestSupport.freePort();
        set("org.apache.karaf.shell.cfg", "sshPort", Integer.toString(sshPort));
        // a shell user for this test only (the assembly ships none), for bin/client over SSH on loopback
        set("users.properties", "itest", password + ",_g_:admingroup");
        set("users.properties", "_g_\\:admingroup", "group,admin,manager,viewer,systembundles,ssh");
        set("org.apache.karaf.shell.cfg", "sshHost", "127.0.0.1");
        for (Map.Entry<String, Map<String, String>> file : settings.entrySet()) {
            for (Map.Entry<String, String> e : file.getValue().entrySet()) {
                set(file.getKey(), e.getKey(), e.getValue());
            }
        }
    }

    /** @return the node's WebSocket base URL, {@code ws://127.0.0.1:PORT} */
    String gateway() {
        return "ws://127.0.0.1:" + httpPort;
    }

    int httpPort() {
        return httpPort;
    }

    /**
     * Runs a command in the node's Karaf shell as an operator would, with the assembly's {@code bin/client} over
     * SSH.
     *
     * @return what it printed
     */
    String shell(String command, Duration timeout) throws Exception {
        Path out = Files.createTempFile(home.getParent(), "shell", ".txt");
        ProcessBuilder pb = new ProcessBuilder(
                        home.resolve("bin/client").toString(),
                        "-a",
                        Integer.toString(sshPort),
                        "-h",
                        "127.0.0.1",
                        "-u",
                        "itest",
                        "-p",
                        password,
                        "-r",
                        "10",
                        command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("'" + command + "' did not end within " + timeout + ": " + Files.readString(out));
        }
        String printed = Files.readString(out);
        Files.delete(out);
        if (p.exitValue() != 0) {
            throw new IOException("'" + command + "' failed (" + p.exitValue() + "): " + printed);
        }
        return printed;
    }

    /** Starts Karaf and waits until its gateway accepts sessions. */
    void start(Duration timeout) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("KARAF_EXEC", "exec"); // the script becomes the JVM: our pid is Karaf's
        pb.environment().put("JAVA_MAX_MEM", "384m");
        process = pb.start();
        // if this JVM dies without stopping the node, the node must not outlive it
        watchdog = new ProcessBuilder(
                        "bash",
                        "-c",
                        "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null"
                                + " && kill -0 " + process.pid() + " 2>/dev/null; do sleep 1; done; kill "
                                + process.pid()
                                + " 2>/dev/null")
                .start();
        GatewayTestSupport.awaitStatusPage(httpPort, timeout);
        // serving, so the script has become the JVM: the assembly's bin/setenv gave it JAVA_MAX_MEM as -Xmx, which
        // Karaf 4.4's own Unix scripts ignore
        String cmdline = java.nio.file.Files.readString(
                        java.nio.file.Paths.get("/proc", Long.toString(process.pid()), "cmdline"))
                .replace('\0', ' ');
        if (!cmdline.contains("-Xmx384m")) {
            throw new IllegalStateException("the node's JVM did not get JAVA_MAX_MEM as -Xmx: " + cmdline);
        }
    }

    /** SIGTERM: Karaf shuts down cleanly (its gateway closes its sessions); SIGKILL after 60 s. */
    void stop() throws InterruptedException {
        end(false);
    }

    /** SIGKILL: a crash. */
    void kill() throws InterruptedException {
        end(true);
    }

    private void end(boolean kill) throws InterruptedException {
        if (process != null && process.isAlive()) {
            if (kill) {
                process.destroyForcibly();
            } else {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (watchdog != null) {
            watchdog.destroy();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).inheritIO().start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", List.of(cmd)) + " failed");
        }
    }

    /** @return what the node's karaf.log holds now */
    String karafLog() throws IOException {
        Path log = home.resolve("data/log/karaf.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /**
     * Sets a key in one of the node's {@code etc/*.cfg} files, replacing its line or appending one; a running node
     * applies it through fileinstall, as it would a file its operator's configuration management wrote.
     */
    void set(String file, String key, String value) throws IOException {
        Path cfg = home.resolve("etc").resolve(file);
        String text = Files.exists(cfg) ? Files.readString(cfg) : "";
        String line = key + " = " + value;
        Pattern existing = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s*=.*$");
        text = existing.matcher(text).find()
                ? existing.matcher(text).replaceAll(Matcher.quoteReplacement(line))
                : text + System.lineSeparator() + line + System.lineSeparator();
        Files.writeString(cfg, text);
    }
}
