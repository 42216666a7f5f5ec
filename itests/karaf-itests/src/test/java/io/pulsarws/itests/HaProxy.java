package io.pulsarws.itests;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy in front of gateway nodes, as {@code docs/operations.md} configures it: health checks on
 * {@code /ready} every 500 ms, a handshake a draining node refuses with 503 retried on another node at once, a cookie
 * that keeps an HTTP-fallback client on its node, and WebSockets tunnelled for an hour. Run in the foreground as a
 * child process on a free loopback port and stopped by its pid. {@code test.sh} installs the package.
 */
final class HaProxy implements AutoCloseable {
    private final Path config;
    private final Path log;
    private final int port;
    private Process process;

    /** @param nodes server name to the node's HTTP port */
    HaProxy(Path work, Map<String, Integer> nodes) throws IOException {
        Files.createDirectories(work);
        port = GatewayTestSupport.freePort();
        config = work.resolve("haproxy.cfg");
        log = work.resolve("haproxy.log");
        Files.writeString(config, config(port, nodes));
    }

    /** The configuration docs/operations.md gives, on the test's ports. */
    static String config(int port, Map<String, Integer> nodes) {
        StringBuilder b = new StringBuilder();
        b.append("global\n")
                .append("    maxconn 4096\n")
                .append("defaults\n")
                .append("    mode http\n")
                .append("    timeout connect 2s\n")
                .append("    timeout client 60s\n")
                .append("    timeout server 60s\n")
                .append("    timeout tunnel 1h\n")
                .append("    retries 3\n")
                .append("    option redispatch\n")
                .append("    retry-on conn-failure empty-response 503\n")
                .append("frontend gateway\n")
                .append("    bind 127.0.0.1:")
                .append(port)
                .append('\n')
                .append("    default_backend nodes\n")
                .append("backend nodes\n")
                .append("    balance roundrobin\n")
                .append("    option httpchk GET /ready\n")
                .append("    http-check expect status 200\n")
                .append("    cookie PWSNODE insert indirect nocache\n")
                .append("    default-server inter 500ms fall 1 rise 2\n");
        nodes.forEach((name, p) -> b.append("    server ")
                .append(name)
                .append(" 127.0.0.1:")
                .append(p)
                .append(" check cookie ")
                .append(name)
                .append('\n'));
        return b.toString();
    }

    static Map<String, Integer> nodes(Object... nameThenPort) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenPort.length; i += 2) {
            m.put((String) nameThenPort[i], (Integer) nameThenPort[i + 1]);
        }
        return m;
    }

    /** Starts HAProxy and waits until it accepts connections. */
    void start() throws Exception {
        Process check = new ProcessBuilder("haproxy", "-c", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!check.waitFor(30, TimeUnit.SECONDS) || check.exitValue() != 0) {
            throw new IllegalStateException("haproxy -c refused the configuration: " + Files.readString(log));
        }
        process = new ProcessBuilder("haproxy", "-db", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("haproxy did not start: " + Files.readString(log), e);
                }
                Thread.sleep(50); // polling for the listener, bounded by the deadline above
            }
        }
    }

    String gateway() {
        return "ws://127.0.0.1:" + port;
    }

    String http() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static Duration checkInterval() {
        return Duration.ofMillis(500);
    }
}
