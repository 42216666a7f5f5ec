package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.pulsarws.websocket.drain.DrainStatus;
import io.pulsarws.websocket.drain.NodeDrain;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.inject.Inject;
import javax.management.ObjectName;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Issue 24: a node taken out of service loses nothing and strands no one. A drain turns {@code /ready} to 503 and
 * refuses new clients with 503 and {@code Retry-After} at once; it closes the open connections with 1001 spread over
 * its period, each after it owes its client nothing: a producer's every send read is answered (and nothing unanswered
 * is stored), a consumer's acks are waited for, a reader is told where it was, an event stream ends with a
 * {@code retry:} field. The shell and JMX show it; a command for an event stream of another node says so (421).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class DrainIT extends GatewayTestSupport {
    /** The idle readers whose close times show the spread. */
    private static final int IDLE = 8;

    @Inject
    private NodeDrain drain;

    @Inject
    private SessionFactory shell;

    private static String http() {
        return "http://127.0.0.1:" + System.getProperty("itest.http.port");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return httpGet(url);
    }

    private static HttpResponse<String> post(String url, String body) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(TIMEOUT)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private String run(String command) throws Exception {
        return shell(shell, command);
    }

    /** Sends frames as fast as the gateway reads them until the socket closes; counts what was sent and answered. */
    private static final class Producing implements Runnable {
        final WsClient ws;
        final AtomicInteger sent = new AtomicInteger();
        final Map<String, String> results = new ConcurrentHashMap<>();
        final Thread thread = new Thread(this, "drain-it-producer");

        Producing(WsClient ws) {
            this.ws = ws;
        }

        @Override
        public void run() {
            Thread answers = new Thread(() -> {
                try {
                    for (int quiet = 0; quiet < 60; ) { // until closed and read out, at most a minute of silence
                        String f = ws.poll(Duration.ofSeconds(1));
                        if (f == null) {
                            quiet++;
                            if (ws.isClosed()) {
                                return;
                            }
                            continue;
                        }
                        Map<String, Object> r = Json.object(f);
                        results.put((String) r.get("context"), (String) r.get("result"));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            answers.start();
            try {
                for (int i = 0; i < 100_000 && !ws.isClosed(); i++) { // bounded: the drain closes it within seconds
                    ws.send("{\"payload\":\"" + b64("p" + i) + "\",\"context\":\"" + i + "\"}");
                    sent.incrementAndGet();
                }
            } catch (Exception e) {
                // the socket closed while sending: what was not answered was not stored
            }
            try {
                answers.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    public void a_aDrainRefusesNewClientsAndClosesTheOpenOnesGraduallyOwingNothing() throws Exception {
        String topic = uniqueTopic("drain");
        String produced = uniqueTopic("drain-p");
        List<String> ids = produce(topic, "m0", "m1", "m2", "m3", "m4");
        List<WsClient> idle = new ArrayList<>();
        for (int i = 0; i < IDLE; i++) {
            idle.add(WsClient.open(gateway() + path("reader", uniqueTopic("idle"))));
        }
        WsClient reader = WsClient.open(gateway() + path("reader", topic) + "?messageId=earliest");
        WsClient consumer = WsClient.open(gateway() + path("consumer", topic)
                + "/sub?subscriptionType=Shared&subscriptionInitialPosition=Earliest");
        WsClient idleProducer = WsClient.open(gateway() + path("producer", uniqueTopic("idle-p")));
        SseClient stream = SseClient.open(
                http() + "/http/v2/reader/persistent/public/default/" + topic + "?messageId=earliest", Map.of());
        assertEquals(200, stream.status());
        assertEquals("session", stream.next(TIMEOUT).event());
        List<String> consumed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assertEquals(ids.get(i), Json.object(reader.next(TIMEOUT)).get("messageId"));
            consumed.add((String) Json.object(consumer.next(TIMEOUT)).get("messageId"));
            assertEquals(ids.get(i), stream.next(TIMEOUT).id());
        }
        for (int i = 0; i < 3; i++) { // two left unacked when the drain starts
            consumer.send("{\"messageId\":\"" + consumed.get(i) + "\"}");
        }
        Producing producing = new Producing(WsClient.open(gateway() + path("producer", produced)));
        producing.thread.start();
        await("the producer under way", TIMEOUT, () -> producing.results.size() >= 50);
        int connections = IDLE + 5;
        await("the test's connections counted", TIMEOUT, () -> metric("pulsarws_connections ") == connections);
        double drainedBefore = metric("pulsarws_drained_connections_total ");
        ObjectName jmx = new ObjectName("io.pulsarws:type=Drain");

        long started = System.nanoTime();
        DrainStatus status = drain.start(Duration.ofSeconds(4));
        try {
            assertTrue(status.draining());
            assertEquals(connections, status.open());
            HttpResponse<String> ready = get(http() + "/ready");
            assertEquals(ready.body(), 503, ready.statusCode());
            assertTrue(ready.body(), ready.body().contains("\"DRAINING\""));
            assertEquals(200, get(http() + "/health").statusCode());
            assertEquals(
                    "503 Node draining: connect to another node", refusal(gateway() + path("reader", topic), Map.of()));
            try (SseClient refused =
                    SseClient.open(http() + "/http/v2/reader/persistent/public/default/" + topic, Map.of())) {
                assertEquals(503, refused.status());
                assertEquals(
                        "1",
                        refused.response().headers().firstValue("Retry-After").orElse(null));
            }
            assertEquals(true, ManagementFactory.getPlatformMBeanServer().getAttribute(jmx, "Draining"));
            assertEquals(1.0, metric("pulsarws_draining "), 0.0);

            // the consumer owes two acks: its close waits for them (at most 10 s), they are still read
            consumer.send("{\"messageId\":\"" + consumed.get(3) + "\"}");
            consumer.send("{\"messageId\":\"" + consumed.get(4) + "\"}");

            // the idle readers' close times: spread over the period, not all at once
            long[] closedAt = new long[IDLE];
            await("every idle reader closed", Duration.ofSeconds(20), () -> {
                boolean all = true;
                for (int i = 0; i < IDLE; i++) {
                    if (closedAt[i] == 0 && idle.get(i).isClosed()) {
                        closedAt[i] = System.nanoTime();
                    }
                    all &= closedAt[i] != 0;
                }
                return all;
            });
            long first = java.util.Arrays.stream(closedAt).min().getAsLong();
            long last = java.util.Arrays.stream(closedAt).max().getAsLong();
            double spread = (last - first) / 1e9;
            double lastAfter = (last - started) / 1e9;
            for (int i = 0; i < IDLE; i++) {
                assertEquals(1001, closeOf("idle reader " + i, idle.get(i)));
                assertEquals(
                        "Node draining: reconnect to another node", idle.get(i).closeReason());
            }
            assertTrue("closes spread over the 4 s period: " + spread + " s", spread >= 1.5);
            assertTrue("the last idle reader closed within the period: " + lastAfter + " s", lastAfter <= 5.5);

            // the reader is told the id of the last message it was sent
            assertEquals(1001, closeOf("the reader", reader));
            assertEquals("Node draining: reconnect with messageId=" + ids.get(4), reader.closeReason());
            assertEquals(1001, closeOf("the consumer", consumer));
            assertEquals(1001, closeOf("the idle producer", idleProducer));

            // the event stream: a retry field, then a close event
            SseClient.Event close = stream.next(Duration.ofSeconds(20));
            assertEquals("close", close.event());
            assertTrue(close.data(), close.data().contains("\"code\":1001"));
            assertEquals("1000", stream.retry());

            // the producer: every send read was answered ok, and exactly those are stored
            // a client that floods on after the close frame (this one never stops writing until its library reports
            // the close) may instead see its connection end: the gateway drops it 5 s after the close, and the JDK's
            // client then reported its pending write's broken pipe or end of input first (twice in 8 runs); what it
            // was told before is what counts here
            await("the producer's connection ended", Duration.ofSeconds(20), producing.ws::isClosed);
            producing.thread.join(30_000);
            long ok = producing.results.values().stream().filter("ok"::equals).count();
            assertEquals("every answer ok: " + producing.results.values(), producing.results.size(), ok);
            await("the broker's count settled", TIMEOUT, () -> storedIn(produced) == ok);
            await(
                    "the subscription's backlog empty: every message acked before the close",
                    TIMEOUT,
                    () -> backlog(topic) == 0);
            await("every connection closed", TIMEOUT, () -> metric("pulsarws_connections ") == 0);
            assertEquals(
                    "each closed by the drain",
                    connections,
                    metric("pulsarws_drained_connections_total ") - drainedBefore,
                    0.0);
            record("drain of " + connections + " connections over 4 s: idle readers' closes spread over " + spread
                    + " s, the last " + lastAfter + " s after the start; producer: " + producing.sent.get()
                    + " frames sent, " + ok + " answered ok and stored, none stored unanswered");
        } finally {
            drain.resume();
        }
        assertEquals(200, get(http() + "/ready").statusCode());
        assertEquals(0.0, metric("pulsarws_draining "), 0.0);
        // the reader goes on after the id it was given, on any node: nothing lost, nothing twice
        List<String> more = produce(topic, "m5");
        try (WsClient again = WsClient.open(gateway() + path("reader", topic) + "?messageId="
                + java.net.URLEncoder.encode(ids.get(4), StandardCharsets.UTF_8))) {
            assertEquals(more.get(0), Json.object(again.next(TIMEOUT)).get("messageId"));
        }
    }

    /**
     * A command for an event stream this node does not have: 421 when its id is another node's (a balancer without
     * stickiness sent it here), 404 when it was this node's (it ended).
     */
    @Test
    public void b_aCommandForAnotherNodesStreamIsMisdirected() throws Exception {
        String topic = uniqueTopic("drain-421");
        String url = http() + "/http/v2/consumer/persistent/public/default/" + topic + "/sub";
        try (SseClient stream = SseClient.open(url, Map.of())) {
            String id = (String) Json.object(stream.next(TIMEOUT).data()).get("session");
            int dot = id.indexOf('.');
            assertTrue(id, dot > 0);
            String ours = id.substring(0, dot + 1) + "A".repeat(id.length() - dot - 1);
            String another = "B".repeat(dot) + id.substring(dot);
            HttpResponse<String> ended = post(url + "?session=" + ours, "[]");
            assertEquals(ended.body(), 404, ended.statusCode());
            HttpResponse<String> elsewhere = post(url + "?session=" + another, "[]");
            assertEquals(elsewhere.body(), 421, elsewhere.statusCode());
            assertTrue(elsewhere.body(), elsewhere.body().startsWith("The event stream is not on this gateway node"));
            assertEquals(204, post(url + "?session=" + id, "[]").statusCode());
        }
    }

    /** {@code pulsar-ws:drain}: the state, a drain that waits until it is over, the resume. */
    @Test
    public void c_theShellDrainsAndResumes() throws Exception {
        assertTrue(
                run("pulsar-ws:drain --status"), run("pulsar-ws:drain --status").startsWith("Not draining"));
        try (WsClient open = WsClient.open(gateway() + path("reader", uniqueTopic("drain-shell")))) {
            String out = run("pulsar-ws:drain --period 1 --wait");
            assertTrue(out, out.startsWith("Draining since ") && out.contains("over 1 s"));
            assertTrue(out, out.contains("0 connection(s) open"));
            assertEquals(1001, open.awaitClose(TIMEOUT));
            assertEquals(503, get(http() + "/ready").statusCode());
        } finally {
            String out = run("pulsar-ws:drain --resume");
            assertTrue(out, out.startsWith("Not draining"));
        }
        assertEquals(200, get(http() + "/ready").statusCode());
    }

    /**
     * A handshake that waits for the broker (without a thread) while the node begins to drain is refused with the
     * drain's 503 once the broker answers, not accepted and closed again: here a producer held back by a backlog
     * quota until the drain has begun, then let through by emptying the backlog. On the code before this check, it
     * was upgraded (101) on a draining node.
     */
    @Test
    public void d_aHandshakeDecidedAfterTheDrainBeganIsRefusedAsANewClient() throws Exception {
        String topic = topicOverBacklogQuota("producer_exception");
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<java.net.http.WebSocket>>
                held = new java.util.concurrent.atomic.AtomicReference<>();
        // the quota is checked every 2 s: wait until a handshake is held by it
        await("a handshake held by the quota", Duration.ofSeconds(60), () -> {
            java.util.concurrent.CompletableFuture<java.net.http.WebSocket> f = client.newWebSocketBuilder()
                    .buildAsync(
                            URI.create(gateway() + "/ws/v2/producer/" + topic),
                            new java.net.http.WebSocket.Listener() {});
            try {
                f.get(1500, java.util.concurrent.TimeUnit.MILLISECONDS).abort();
                return false;
            } catch (java.util.concurrent.TimeoutException waiting) {
                held.set(f);
                return true;
            } catch (Exception refused) {
                return false;
            }
        });
        drain.start(Duration.ofSeconds(1));
        try {
            HttpResponse<String> skipped = admin("POST", "/admin/v2/" + topic + "/subscription/sub/skip_all", "");
            assertEquals(skipped.body(), 204, skipped.statusCode());
            java.util.concurrent.ExecutionException e = null;
            try {
                held.get().get(40, java.util.concurrent.TimeUnit.SECONDS).abort();
            } catch (java.util.concurrent.ExecutionException refusal) {
                e = refusal;
            }
            assertTrue("the held handshake was upgraded on a draining node", e != null);
            java.net.http.WebSocketHandshakeException refused =
                    (java.net.http.WebSocketHandshakeException) e.getCause();
            assertEquals(503, refused.getResponse().statusCode());
            // Retry-After: 1 is the drain's refusal (the other 503s of a handshake carry none)
            assertEquals(
                    "1",
                    refused.getResponse().headers().firstValue("Retry-After").orElse(null));
        } finally {
            drain.resume();
        }
    }

    /** @return the close code the client got; fails naming the client if it got none (the connection failed) */
    private static int closeOf(String client, WsClient ws) throws Exception {
        try {
            return ws.awaitClose(Duration.ofSeconds(20));
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(client + " got no close frame: " + e.getCause(), e);
        }
    }

    private static long storedIn(String topic) {
        try {
            Map<String, Object> stats =
                    Json.object(admin("GET", "/admin/v2/persistent/public/default/" + topic + "/stats")
                            .body());
            return ((Number) stats.get("msgInCounter")).longValue();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long backlog(String topic) {
        return backlog("/admin/v2/persistent/public/default/" + topic, "sub");
    }
}
