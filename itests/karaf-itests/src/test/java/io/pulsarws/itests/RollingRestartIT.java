package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Issue 24: a rolling restart behind a real balancer. Two nodes of the assembly (child processes) behind Debian's
 * HAProxy, configured as {@code docs/operations.md} says; the fault checker's producers and consumers (Exclusive,
 * Shared and Failover subscriptions) send and receive through HAProxy at a steady rate, reconnecting whenever their
 * socket closes. Node A is drained from its shell ({@code pulsar-ws:drain --wait}), stopped and started; node B is
 * stopped with SIGTERM only (its stop drains it) and started; node A is drained again and its feature reinstalled (a
 * hot upgrade). Judged: lost, lies and phantoms (none), sends refused (none), every client back within a bound, no
 * open refused or failed (the balancer retries a draining node's 503 elsewhere), node B's clients closed by its own
 * drain, and the other node's sessions never closed meanwhile.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RollingRestartIT extends GatewayTestSupport {
    /** Each of the checker's two producers sends this many messages a second. */
    private static final int PER_SECOND = 100;
    /**
     * The bound on a client's time without a session: its own 200 ms pause, the handshake, and a consumer of an
     * Exclusive subscription waiting until its old session (drained last) has let go.
     */
    private static final long RECONNECT_BOUND_MILLIS = 5_000;

    @Override
    @org.ops4j.pax.exam.Configuration
    public Option[] config() throws IOException {
        return OptionUtils.combine(
                super.config(), systemProperty("itest.assembly").value(System.getProperty("assembly.tar.gz")));
    }

    /** @return the sum of a node's samples of one metric (every label set) */
    private static double metricOf(ChildKaraf node, String name) throws Exception {
        return samplesOf(node, name).values().stream()
                .mapToDouble(Double::doubleValue)
                .sum();
    }

    private static int status(String url) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Waits until the balancer's health checks have the node back (a probe connection through it lands there). */
    private static void awaitInRotation(HaProxy lb, ChildKaraf node) throws InterruptedException {
        await(
                "the node ready",
                Duration.ofSeconds(60),
                () -> status("http://127.0.0.1:" + node.httpPort() + "/ready") == 200);
        await("the balancer sending clients to the node", Duration.ofSeconds(30), () -> {
            List<WsClient> probes = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) { // round robin: one of two lands on each node in rotation
                    probes.add(WsClient.open(lb.gateway() + path("reader", uniqueTopic("probe"))));
                }
                return metricOf(node, "pulsarws_connections") > 0;
            } catch (Exception e) {
                return false;
            } finally {
                probes.forEach(WsClient::close);
            }
        });
    }

    /** @return a node's /metrics samples of one metric, by their label set */
    private static Map<String, Double> samplesOf(ChildKaraf node, String name) throws Exception {
        String body = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics"))
                                .timeout(TIMEOUT)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Map<String, Double> samples = new java.util.TreeMap<>();
        for (String line : body.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(name.length(), space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    /**
     * A phase of the restart: the other node's sessions closed (by any code but 1000, which only the test's probes
     * close with, from the client's side) and drained meanwhile; both must stay 0.
     */
    private record Untouched(Map<String, Double> closed, double drained) {
        static Untouched of(ChildKaraf node) throws Exception {
            return new Untouched(
                    samplesOf(node, "pulsarws_sessions_closed_total"),
                    metricOf(node, "pulsarws_drained_connections_total"));
        }

        void check(ChildKaraf node, String phase) throws Exception {
            Map<String, Double> now = samplesOf(node, "pulsarws_sessions_closed_total");
            Map<String, Double> delta = new java.util.TreeMap<>();
            now.forEach((code, n) -> {
                double d = n - closed.getOrDefault(code, 0.0);
                if (d > 0 && !code.equals("{code=\"1000\"}")) {
                    delta.put(code, d);
                }
            });
            assertEquals(phase + ": the other node's sessions closed " + delta, Map.of(), delta);
            assertEquals(
                    phase + ": the other node drained",
                    0,
                    metricOf(node, "pulsarws_drained_connections_total") - drained,
                    0);
        }
    }

    @Test
    public void aRollingRestartBehindHaProxyLosesNothingAndStrandsNoOne() throws Exception {
        Path work = Paths.get(System.getProperty("itest.work.dir"), "rolling");
        Map<String, Map<String, String>> settings = Map.of(
                "io.pulsarws.gateway.cfg", Map.of("serviceUrl", System.getProperty("itest.broker.serviceUrl")),
                "io.pulsarws.websocket.cfg", Map.of("drainPeriodSeconds", "3"));
        String assembly = System.getProperty("itest.assembly");
        try (ChildKaraf a = new ChildKaraf(work.resolve("node-a"), assembly, settings);
                ChildKaraf b = new ChildKaraf(work.resolve("node-b"), assembly, settings)) {
            a.start(Duration.ofSeconds(120));
            b.start(Duration.ofSeconds(120));
            try (HaProxy lb =
                    new HaProxy(work.resolve("haproxy"), HaProxy.nodes("a", a.httpPort(), "b", b.httpPort()))) {
                lb.start();
                awaitInRotation(lb, a);
                awaitInRotation(lb, b);
                String stickiness = checkStickiness(lb);
                String sameConfiguration = sameConfigurationOnBoth(a, b);
                // the fault checker's clients, every one through the balancer
                Checker c = new Checker("persistent/public/default/" + uniqueTopic("rolling"), List.of(lb.gateway()));
                try {
                    c.consumers("ex", "Exclusive", 1);
                    c.consumers("sh", "Shared", 2);
                    c.consumers("fo", "Failover", 2);
                    c.producer("p", "", 50, PER_SECOND);
                    c.producer("t", "?sendTimeoutMillis=3000", 50, PER_SECOND);
                    c.awaitProgress(200, TIMEOUT);
                    assertTrue(
                            "both nodes hold clients",
                            metricOf(a, "pulsarws_connections") > 0 && metricOf(b, "pulsarws_connections") > 0);
                    List<String> phases = new ArrayList<>();

                    // node A: drained from its shell, stopped, started
                    Untouched onB = Untouched.of(b);
                    long t0 = System.nanoTime();
                    String drained = a.shell("pulsar-ws:drain --wait", Duration.ofSeconds(60));
                    assertTrue(drained, drained.contains(" 0 connection(s) open"));
                    phases.add("node A drained from its shell in " + millisSince(t0) + " ms");
                    onB.check(b, "node A drained");
                    a.stop();
                    onB.check(b, "node A stopped");
                    Map<String, Integer> closesBefore = c.serverCloses();
                    a.start(Duration.ofSeconds(120));
                    awaitInRotation(lb, a);
                    phases.add("traffic after node A's restart: "
                            + c.awaitProgress(100, TIMEOUT).toMillis() + " ms");

                    // node B: SIGTERM only; its stop drains it
                    Untouched onA = Untouched.of(a);
                    double onBNow = metricOf(b, "pulsarws_connections");
                    assertTrue("node B holds clients", onBNow > 0);
                    t0 = System.nanoTime();
                    b.stop();
                    phases.add("node B's stop (SIGTERM, " + (int) onBNow + " connections, drained by the stop) took "
                            + millisSince(t0) + " ms");
                    onA.check(a, "node B stopped");
                    Map<String, Integer> closesOfB = difference(c.serverCloses(), closesBefore);
                    b.start(Duration.ofSeconds(120));
                    awaitInRotation(lb, b);

                    // node A again: drained, its feature reinstalled (a hot upgrade), back in rotation
                    onB = Untouched.of(b);
                    a.shell("pulsar-ws:drain --wait", Duration.ofSeconds(60));
                    onB.check(b, "node A drained again");
                    String feature =
                            a.shell("feature:list -i", Duration.ofSeconds(60)).contains("pulsar-websocket-jetty12 ")
                                    ? "pulsar-websocket-jetty12"
                                    : "pulsar-websocket";
                    t0 = System.nanoTime();
                    a.shell("feature:uninstall " + feature, Duration.ofSeconds(120));
                    a.shell("feature:install " + feature, Duration.ofSeconds(180));
                    awaitInRotation(lb, a);
                    phases.add("node A's feature reinstalled and back in rotation in " + millisSince(t0) + " ms");
                    c.awaitProgress(100, TIMEOUT);

                    Checker.Verdict v = c.finish(Duration.ofSeconds(3), Duration.ofSeconds(90));
                    List<Long> times = c.reconnectMillis();
                    String summary = "rolling restart through HAProxy (2 nodes): " + v + "; reconnects "
                            + times.size() + ", p50 " + percentile(times, 0.50) + " ms, p99 " + percentile(times, 0.99)
                            + " ms, max " + percentile(times, 1.0) + " ms; opens refused or failed " + c.failedOpens()
                            + "; closes by the servers " + c.serverCloses() + "; of node B's stop " + closesOfB + "; "
                            + String.join("; ", phases) + "; " + stickiness + "; " + sameConfiguration;
                    record(summary);
                    assertTrue(summary, v.clean());
                    assertEquals(summary, 0, v.refused());
                    assertTrue(summary, !closesOfB.isEmpty());
                    closesOfB
                            .keySet()
                            .forEach(k -> assertTrue(
                                    "closed by node B's own drain: " + k, k.startsWith("1001 Node draining")));
                    assertTrue(summary, percentile(times, 1.0) <= RECONNECT_BOUND_MILLIS);
                    assertEquals(summary, 0, c.failedOpens());
                } finally {
                    c.close();
                }
            }
        }
    }

    /**
     * The HTTP fallback through the balancer: with the cookie HAProxy sets on the event stream's answer, every
     * command POSTed for the stream reaches its node (204); without it, round robin sends some to the other node,
     * which says so (421, not 404).
     *
     * @return what was seen
     */
    private static String checkStickiness(HaProxy lb) throws Exception {
        String url = lb.http() + "/http/v2/consumer/persistent/public/default/" + uniqueTopic("sticky") + "/s";
        HttpClient sticky = HttpClient.newBuilder()
                .cookieHandler(new java.net.CookieManager())
                .build();
        HttpResponse<java.io.InputStream> stream = sticky.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        try (java.io.BufferedReader events = new java.io.BufferedReader(
                new java.io.InputStreamReader(stream.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            String session = null;
            for (int i = 0; i < 5 && session == null; i++) { // the first event names the stream
                String line = events.readLine();
                if (line != null && line.startsWith("data: ")) {
                    session = (String) Json.object(line.substring(6)).get("session");
                }
            }
            assertTrue("the stream named itself", session != null);
            String commands = url + "?session=" + session;
            int withCookie = 0;
            for (int i = 0; i < 10; i++) {
                withCookie += post(sticky, commands) == 204 ? 1 : 0;
            }
            assertEquals("every command with the balancer's cookie reached the stream's node", 10, withCookie);
            HttpClient plain = HttpClient.newHttpClient();
            Map<Integer, Integer> without = new java.util.TreeMap<>();
            for (int i = 0; i < 10; i++) {
                without.merge(post(plain, commands), 1, Integer::sum);
            }
            assertTrue("without it, some reached the other node, which said so: " + without, without.containsKey(421));
            assertEquals(
                    "and nothing else: " + without, 10, without.getOrDefault(421, 0) + without.getOrDefault(204, 0));
            return "HTTP fallback through the balancer: 10 of 10 commands with its cookie answered 204; without it "
                    + without;
        }
    }

    /**
     * One configuration for N nodes, the file-based way docs/operations.md gives (Karaf Cellar's cellar-config does
     * not resolve on Karaf 4.4): the same {@code etc/io.pulsarws.websocket.cfg} line written on both nodes, as
     * configuration management would, is in force on both within seconds, without a restart.
     *
     * @return how long each node took
     */
    private static String sameConfigurationOnBoth(ChildKaraf a, ChildKaraf b) throws Exception {
        long t0 = System.nanoTime();
        for (ChildKaraf node : List.of(a, b)) {
            node.set("io.pulsarws.websocket.cfg", "drainPeriodSeconds", "4");
        }
        StringBuilder took = new StringBuilder("the same etc/ file line written on both nodes in force on");
        for (ChildKaraf node : List.of(a, b)) {
            await("node " + node.httpPort() + " applying the new file", TIMEOUT, () -> {
                try {
                    return node.karafLog()
                            .lines()
                            .anyMatch(l -> l.contains("WebSocket limits:") && l.contains("drain period 4 s"));
                } catch (IOException e) {
                    return false;
                }
            });
            took.append(' ')
                    .append(node == a ? "A" : "B")
                    .append(" after ")
                    .append(millisSince(t0))
                    .append(" ms");
        }
        return took.toString();
    }

    private static int post(HttpClient client, String url) throws Exception {
        return client.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(TIMEOUT)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("[]"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static Map<String, Integer> difference(Map<String, Integer> now, Map<String, Integer> before) {
        Map<String, Integer> d = new java.util.TreeMap<>();
        now.forEach((k, n) -> {
            int delta = n - before.getOrDefault(k, 0);
            if (delta > 0) {
                d.put(k, delta);
            }
        });
        return d;
    }

    private static long percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(sorted.size() * q) - 1)));
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
