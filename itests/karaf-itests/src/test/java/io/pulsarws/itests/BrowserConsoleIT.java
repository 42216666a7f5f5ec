package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The web console in a real browser: Debian's Chromium, headless, driven by Playwright's library under Node
 * ({@code src/test/node/browser/console.mjs}), against the gateway and the build's broker. Each scenario fails on
 * any script error or Content-Security-Policy violation in the page. The screenshots in {@code docs/images/} are the
 * ones these tests take ({@code target/clients/console/}).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class BrowserConsoleIT extends GatewayTestSupport {
    private static final String SECURITY = "io.pulsarws.security";
    private static final String ENDPOINTS = "io.pulsarws.websocket";

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private io.pulsarws.session.SessionManager sessionManager;

    private static String http() {
        return "http://127.0.0.1:" + System.getProperty("itest.http.port");
    }

    private static String console() {
        return http() + "/pulsar-websocket/console/";
    }

    /**
     * Runs a scenario of console.mjs in Chromium.
     *
     * @return what the page showed; the scenario ran through (every wait met) without a page error
     */
    private static Map<String, Object> browse(String scenario, Map<String, Object> args) throws Exception {
        Path check = Paths.get(System.getProperty("itest.browser.check.dir"));
        Path work = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir"), "console"));
        Map<String, Object> all = new LinkedHashMap<>(args);
        all.put("console", console());
        all.put("screenshots", work.toString());
        Path out = work.resolve(scenario + ".out");
        Path err = work.resolve(scenario + ".err");
        Process p = new ProcessBuilder("node", check.resolve("console.mjs").toString(), scenario, Json.write(all))
                .directory(check.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            assertTrue("the browser scenario " + scenario + " ended within 2 minutes", p.waitFor(2, TimeUnit.MINUTES));
        } finally {
            p.destroyForcibly();
        }
        String printed = Files.readString(out);
        String text = printed.isBlank() ? "(nothing)" : printed;
        assertEquals(text + "\n" + Files.readString(err), 0, p.exitValue());
        Map<String, Object> shown = Json.object(printed);
        assertEquals("page errors: " + shown.get("errors"), List.of(), shown.get("errors"));
        return shown;
    }

    /** A producer page and a consumer page: the message goes through the gateway and the consumer acks it. */
    @Test
    public void a_theConsoleProducesAndConsumesEndToEnd() throws Exception {
        String topic = uniqueTopic("console");
        String text = "Hello from Chromium \u2713";
        Map<String, Object> shown =
                browse("roundTrip", Map.of("topic", topic, "subscription", "console-sub", "text", text));
        assertTrue(shown.toString(), shown.get("consumerStatus").toString().startsWith("Connected: consumer"));
        assertTrue(shown.toString(), shown.get("producerStatus").toString().startsWith("Connected: producer"));
        assertTrue(shown.toString(), shown.get("result").toString().startsWith("stored as message "));
        assertEquals(text, shown.get("delivered"));
        assertTrue(shown.toString(), shown.get("deliveredHead").toString().contains("key console-key"));
        assertEquals("origin=chromium", shown.get("deliveredProperties"));
        String messageId = shown.get("result").toString().substring("stored as message ".length());
        assertEquals("{\"messageId\":\"" + messageId + "\"}", shown.get("ackSent"));
        await(
                "the consumer page's ack to empty the backlog",
                TIMEOUT,
                () -> backlog("/admin/v2/persistent/public/default/" + topic, "console-sub") == 0);
        @SuppressWarnings("unchecked")
        List<String> sockets = (List<String>) shown.get("sockets");
        assertEquals(2, sockets.size());
        assertEquals(gateway() + path("consumer", topic) + "/console-sub", sockets.get(0));
        assertEquals(gateway() + path("producer", topic), sockets.get(1));
    }

    /**
     * Three messages wait in a subscription; the page acks two and nacks one, which comes back. The broker's backlog
     * goes from 3 to 1: the acks reached it, the nacked message did not leave.
     */
    @Test
    public void b_acksFromThePageDropTheBrokersBacklog() throws Exception {
        String topic = uniqueTopic("console-acks");
        String admin = "/admin/v2/persistent/public/default/" + topic;
        assertEquals(204, admin("PUT", admin + "/subscription/acks", "").statusCode());
        produce(topic, "one", "two", "three");
        await("a backlog of 3", TIMEOUT, () -> backlog(admin, "acks") == 3);
        Map<String, Object> shown = browse("ackAndNack", Map.of("topic", topic, "subscription", "acks"));
        assertEquals(2L, shown.get("acked"));
        String redelivered = shown.get("redelivered").toString();
        assertTrue(redelivered, redelivered.startsWith("id " + shown.get("nacked") + " "));
        assertTrue(redelivered, redelivered.contains("redelivered 1\u00d7"));
        await("a backlog of 1 (the nacked message) once the page has gone", TIMEOUT, () -> backlog(admin, "acks") == 1);
    }

    /** A browser never sees a refused handshake's status; the page shows it anyway, with the gateway's reason. */
    @Test
    public void c_aRefusedHandshakeShowsItsStatusAndReason() throws Exception {
        double before = metric("pulsarws_handshakes_refused_total{status=\"400\"} ");
        Map<String, Object> shown = browse(
                "refused",
                Map.of(
                        "form",
                        Map.of(
                                "endpoint", "consumer",
                                "topic", uniqueTopic("console-refused"),
                                "subscription", "s",
                                "params", "subscriptionType=Sometimes"),
                        "screenshot",
                        "console-refused.png"));
        assertEquals("status refused", shown.get("state"));
        String status = shown.get("status").toString();
        assertTrue(status, status.startsWith("Refused: HTTP 400 Bad Request"));
        assertTrue(status, status.contains("subscriptionType"));
        assertTrue(status, status.contains("in general: malformed path, invalid topic name"));
        assertEquals(1, metric("pulsarws_handshakes_refused_total{status=\"400\"} ") - before, 0);
    }

    /**
     * With authentication on, the page without a token is refused (401, shown); with one, offered as a subprotocol,
     * it produces, and no URL the browser opened carries a token.
     */
    @Test
    public void d_theSubprotocolTokenWorksAndNoUrlCarriesIt() throws Exception {
        Path key = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir"), "console"))
                .resolve("console-secret.key");
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Files.write(key, secret);
        String token = Jwt.sign("{\"sub\":\"console-user\"}", secret);
        long mark = logMark();
        configure(
                SECURITY,
                Map.of(
                        "authenticationEnabled",
                        "true",
                        "tokenSecretKey",
                        key.toUri().toString()),
                "WebSocket security: authentication=token");
        try {
            Map<String, Object> shown = browse("token", Map.of("topic", uniqueTopic("console-auth"), "token", token));
            assertEquals("status refused", shown.get("withoutState"));
            assertTrue(shown.toString(), shown.get("withoutStatus").toString().startsWith("Refused: HTTP 401"));
            assertEquals("status open", shown.get("withState"));
            assertTrue(shown.toString(), shown.get("withStatus").toString().contains("(subprotocol pulsar-websocket)"));
            assertTrue(shown.toString(), shown.get("result").toString().startsWith("stored as message "));
            String signature = token.substring(token.lastIndexOf('.') + 1);
            for (Object url : (List<?>) shown.get("sockets")) {
                assertFalse(
                        url.toString(),
                        url.toString().contains("token=") || url.toString().contains(signature));
            }
            String snippet = shown.get("snippet").toString();
            assertTrue(snippet, snippet.contains("[\"pulsar-websocket\", \"token.\" + token]"));
            assertFalse("the page's code shows the token itself", snippet.contains(signature));
            assertFalse("the token in karaf.log", logSince(mark).contains(signature));
        } finally {
            configure(SECURITY, Map.of("authenticationEnabled", "false"), "WebSocket security: authentication=off");
        }
    }

    /** A page served from another origin (a loopback server on another port) is refused unless allowed. */
    @Test
    public void e_aPageOfAnotherOriginIsRefusedUnlessAllowed() throws Exception {
        int port = freePort();
        String origin = "http://127.0.0.1:" + port;
        Map<String, Object> args =
                Map.of("port", port, "endpoint", gateway() + path("producer", uniqueTopic("console-origin")));
        double before = metric("pulsarws_handshakes_refused_total{status=\"403\"} ");
        Map<String, Object> refused = browse("foreignOrigin", args);
        assertEquals(origin, refused.get("origin"));
        assertEquals("closed 1006", refused.get("outcome"));
        assertEquals(1, metric("pulsarws_handshakes_refused_total{status=\"403\"} ") - before, 0);
        configure(SECURITY, Map.of("allowedOrigins", origin), "allowed origins=[" + origin + "]");
        try {
            assertEquals("open", browse("foreignOrigin", args).get("outcome"));
        } finally {
            configure(SECURITY, Map.of("allowedOrigins", ""), "allowed origins=same origin only");
        }
    }

    /**
     * Issue 26: a page of an allowed origin continues its trace through the gateway. Its POST of a send frame carries
     * a W3C {@code traceparent} header; Chromium preflights it, and the preflight must allow that header (on the
     * code before it did not: the fetch failed). The stored message's {@code traceparent} names the page's trace
     * and a span of the gateway's own.
     */
    @Test
    public void e3_aPageOfAnAllowedOriginContinuesItsTraceThroughAPost() throws Exception {
        int port = freePort();
        String origin = "http://127.0.0.1:" + port;
        String topic = uniqueTopic("console-trace");
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        configure(SECURITY, Map.of("allowedOrigins", origin), "allowed origins=[" + origin + "]");
        try {
            Map<String, Object> shown = browse(
                    "foreignTracedPost",
                    Map.of(
                            "port",
                            port,
                            "url",
                            http() + "/http/v2/producer/persistent/public/default/" + topic,
                            "traceparent",
                            traceparent));
            assertEquals(origin, shown.get("origin"));
            String outcome = String.valueOf(shown.get("outcome"));
            assertTrue(outcome, outcome.startsWith("status 200") && outcome.contains("\"ok\""));
        } finally {
            configure(SECURITY, Map.of("allowedOrigins", ""), "allowed origins=same origin only");
        }
        try (WsClient reader = WsClient.open(gateway() + path("reader", topic) + "?messageId=earliest")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> properties =
                    (Map<String, Object>) Json.object(reader.next(TIMEOUT)).get("properties");
            String stored = String.valueOf(properties.get("traceparent"));
            assertEquals(stored, traceparent.substring(0, 36), stored.substring(0, Math.min(36, stored.length())));
            assertTrue("the gateway's span, not the page's: " + stored, !stored.contains("b7ad6b7169203331"));
        }
    }

    /**
     * Issue 26, part 3: Chromium's own offer of permessage-deflate is declined by default and accepted, without
     * context takeover, once {@code permessageDeflate=true}; a message goes through either way.
     */
    @Test
    public void e4_chromiumCompressesFramesWhenAllowed() throws Exception {
        String payload = b64("a compressible payload ".repeat(100));
        Map<String, Object> off = browse("compressedRoundTrip", deflateArgs(uniqueTopic("console-deflate"), payload));
        assertEquals("", off.get("producerExtensions"));
        assertEquals("ok", off.get("result"));
        assertEquals(payload, off.get("delivered"));
        configure(ENDPOINTS, Map.of("permessageDeflate", "true"), "permessage-deflate on");
        try {
            Map<String, Object> on =
                    browse("compressedRoundTrip", deflateArgs(uniqueTopic("console-deflate"), payload));
            String negotiated = "permessage-deflate;client_no_context_takeover;server_no_context_takeover";
            assertEquals(
                    negotiated, String.valueOf(on.get("producerExtensions")).replace(" ", ""));
            assertEquals(
                    negotiated, String.valueOf(on.get("consumerExtensions")).replace(" ", ""));
            assertEquals("ok", on.get("result"));
            assertEquals(payload, on.get("delivered"));
        } finally {
            configure(ENDPOINTS, Map.of("permessageDeflate", "false"), "permessage-deflate off");
        }
    }

    private static Map<String, Object> deflateArgs(String topic, String payload) {
        return Map.of(
                "console",
                console(),
                "consumer",
                gateway() + path("consumer", topic) + "/chromium",
                "producer",
                gateway() + path("producer", topic),
                "payload",
                payload);
    }

    /**
     * Issue 21, item 5: a page of another site (on {@code localhost}, the gateway reached as {@code 127.0.0.1})
     * asks for a consumer's event stream with {@code autoAck=true} by a no-cors fetch and by an image: requests
     * without an Origin, which Chromium marks {@code Sec-Fetch-Site: cross-site}. Both are refused (403, counted),
     * and the subscription's five waiting messages stay. On the code before, the stream opened and acked all five.
     */
    @Test
    public void e2_aPageOfAnotherSiteCannotDrainASubscriptionWithoutCors() throws Exception {
        String topic = uniqueTopic("cross-site");
        String admin = "/admin/v2/persistent/public/default/" + topic;
        assertEquals(204, admin("PUT", admin + "/subscription/victim", "").statusCode());
        produce(topic, "m1", "m2", "m3", "m4", "m5");
        await("five messages waiting", TIMEOUT, () -> backlog(admin, "victim") == 5);
        int port = freePort();
        String url = http() + "/http/v2/consumer/persistent/public/default/" + topic + "/victim?autoAck=true";
        double before = metric("pulsarws_handshakes_refused_total{status=\"403\"} ");
        Map<String, Object> shown = browse("crossSiteNoCors", Map.of("port", port, "url", url));
        assertEquals("http://localhost:" + port, shown.get("origin"));
        assertEquals("answered", shown.get("outcome"));
        assertEquals("Chromium saw both refused", 2L, shown.get("refusedLoads"));
        assertEquals(
                "the fetch and the image refused",
                2,
                metric("pulsarws_handshakes_refused_total{status=\"403\"} ") - before,
                0);
        assertEquals(5, backlog(admin, "victim"));
        Map<String, Object> sub = subscription(admin, "victim");
        assertEquals("no consumer attached: " + sub, List.of(), sub.get("consumers"));
    }

    /**
     * The console's files come with a policy that lets them load nothing from elsewhere; a refusal is kept for the
     * page once; {@code consoleEnabled=false} answers 404 at once and keeps no refusal, while open sessions go on.
     */
    @Test
    public void f_theConsoleIsServedSafelyAndCanBeSwitchedOffLive() throws Exception {
        HttpResponse<String> page = get(console());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"console.js\"></script>"));
        String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(policy, policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"));
        HttpResponse<String> bare = get(http() + "/pulsar-websocket/console");
        assertEquals(302, bare.statusCode());
        assertTrue(bare.headers().firstValue("Location").orElse("").endsWith("/pulsar-websocket/console/"));

        String refusedUrl = gateway() + path("consumer", uniqueTopic("console-report")) + "/s?subscriptionType=No";
        String id = "kept-for-the-console-" + System.nanoTime();
        assertTrue(refusal(refusedUrl, Map.of("Sec-WebSocket-Protocol", "pulsar-websocket, report." + id))
                .startsWith("400 "));
        HttpResponse<String> report = get(console() + "refusals/" + id);
        assertEquals(200, report.statusCode());
        Map<String, Object> kept = Json.object(report.body());
        assertEquals(400L, kept.get("status"));
        assertTrue(kept.toString(), kept.get("reason").toString().contains("subscriptionType"));
        assertEquals("read once", 404, get(console() + "refusals/" + id).statusCode());

        String topic = uniqueTopic("console-off");
        try (WsClient open = WsClient.open(gateway() + path("producer", topic))) {
            configure(ENDPOINTS, Map.of("consoleEnabled", "false"), "web console off");
            try {
                assertEquals(404, get(console()).statusCode());
                assertEquals(404, get(console() + "console.js").statusCode());
                String off = id + "-off";
                refusal(refusedUrl, Map.of("Sec-WebSocket-Protocol", "pulsar-websocket, report." + off));
                open.send("{\"payload\":\"" + b64("still open") + "\"}");
                assertEquals(
                        "the session opened before goes on",
                        "ok",
                        Json.object(open.next(TIMEOUT)).get("result"));
                configure(ENDPOINTS, Map.of("consoleEnabled", "true"), "web console on");
                assertEquals(
                        "nothing was kept while off",
                        404,
                        get(console() + "refusals/" + off).statusCode());
            } finally {
                configure(ENDPOINTS, Map.of("consoleEnabled", "true"), "web console on");
            }
            assertEquals(200, get(console()).statusCode());
        }
    }

    /**
     * The other endpoints from the page: a v3 consumer of two topics in pull mode gets messages as its permits allow
     * (2, then 1); a reader reads from the earliest message and acks only as flow-control credit (no permits);
     * disconnecting shows close 1000 in words.
     */
    @Test
    public void g_aV3PullConsumerAndAReaderFromThePage() throws Exception {
        String a = uniqueTopic("console-v3a");
        String b = uniqueTopic("console-v3b");
        produce(a, "a1", "a2");
        produce(b, "b1");
        Map<String, Object> shown = browse(
                "pullAndRead",
                Map.of(
                        "subscription",
                        "pull",
                        "topics",
                        "persistent://public/default/" + a + ",persistent://public/default/" + b,
                        "readerTopic",
                        a));
        assertTrue(shown.toString(), shown.get("v3Status").toString().startsWith("Connected: multi-topic consumer"));
        assertEquals(Set.of("a1", "a2", "b1"), new HashSet<>((List<?>) shown.get("pulled")));
        assertEquals(
                "the permit frames the page sent, newest first",
                List.of("{\"type\":\"permit\",\"permitMessages\":1}", "{\"type\":\"permit\",\"permitMessages\":2}"),
                shown.get("permitsSent"));
        String closed = shown.get("v3Closed").toString();
        assertTrue(closed, closed.startsWith("Closed (1000)") && closed.contains("a normal close"));
        assertTrue(shown.toString(), shown.get("readerStatus").toString().startsWith("Connected: reader"));
        assertEquals(List.of("a2", "a1"), shown.get("read"));
        assertEquals(List.of("Ack (credit)", "Ack (credit)"), shown.get("readerButtons"));
        assertEquals(true, shown.get("permitHidden"));
    }

    /** With payloadFormat=json on both pages, a JSON value travels as JSON both ways and is shown as such. */
    @Test
    public void h_jsonPayloadsFromThePage() throws Exception {
        Map<String, Object> shown = browse(
                "jsonRoundTrip", Map.of("topic", uniqueTopic("console-json"), "json", "{\"n\": 1, \"ok\": true}"));
        assertTrue(shown.toString(), shown.get("result").toString().startsWith("stored as message "));
        assertTrue(shown.toString(), shown.get("sent").toString().startsWith("{\"payload\":{\"n\":1,\"ok\":true},"));
        assertEquals("{\n  \"n\": 1,\n  \"ok\": true\n}", shown.get("delivered"));
        assertTrue(shown.toString(), shown.get("frame").toString().contains("\"payload\":{\"n\":1,\"ok\":true}"));
    }

    /** Changes a configuration and waits for the log line saying it is in force. */
    /**
     * The HTTP fallback in a browser: Chromium's own EventSource reads a reader stream; when the gateway ends the
     * session (an operator closes it), the browser reconnects by itself with Last-Event-ID and the new stream
     * resumes right after that message: every message once, in order.
     */
    @Test
    public void i_eventSourceResumesAfterTheLastEventId() throws Exception {
        String topic = uniqueTopic("console-sse");
        List<String> ids = produce(topic, "e0", "e1", "e2");
        String url = http() + "/http/v2/reader/persistent/public/default/" + topic + "?messageId=earliest";
        java.util.concurrent.CompletableFuture<Map<String, Object>> browser =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return browse("eventSource", Map.of("page", console(), "url", url, "expect", 4));
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        long first = awaitReaderSession(topic, -1, browser);
        await("the three messages delivered to the page's stream", TIMEOUT, () -> messagesOf(first) >= 3);
        assertTrue(sessionManager.close(first));
        long second = awaitReaderSession(topic, first, browser);
        ids.addAll(produce(topic, "e3"));
        Map<String, Object> shown = browser.get(2, TimeUnit.MINUTES);
        List<?> got = (List<?>) shown.get("got");
        List<String> gotIds = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (Object o : got) {
            Map<?, ?> m = (Map<?, ?>) o;
            gotIds.add((String) m.get("id"));
            payloads.add(new String(Base64.getDecoder().decode((String) m.get("payload")), StandardCharsets.UTF_8));
        }
        assertEquals("each message once, in order: the second stream began after the Last-Event-ID", ids, gotIds);
        assertEquals(List.of("e0", "e1", "e2", "e3"), payloads);
        assertEquals(2L, shown.get("opens"));
        assertEquals(2, ((List<?>) shown.get("sessions")).size());
        Map<?, ?> close = (Map<?, ?>) ((List<?>) shown.get("closes")).get(0);
        assertEquals(1000L, close.get("code"));
        assertEquals("closed by operator", close.get("reason"));
        assertTrue(second != first);
    }

    /** @return the id of the reader session on the topic other than {@code not}, once there is one */
    private long awaitReaderSession(String topic, long not, java.util.concurrent.Future<?> browser) throws Exception {
        long[] found = {-1};
        await("a reader session on " + topic, TIMEOUT, () -> {
            if (browser.isDone()) {
                return true; // it failed: get() below says why
            }
            for (io.pulsarws.session.SessionInfo s : sessionManager.sessions()) {
                if ("reader".equals(s.kind()) && s.topic().endsWith(topic) && s.id() != not) {
                    found[0] = s.id();
                    return true;
                }
            }
            return false;
        });
        if (found[0] < 0) {
            browser.get();
            throw new AssertionError("the browser scenario ended before the stream was opened");
        }
        return found[0];
    }

    private long messagesOf(long session) {
        return sessionManager.sessions().stream()
                .filter(s -> s.id() == session)
                .mapToLong(io.pulsarws.session.SessionInfo::messages)
                .findFirst()
                .orElse(-1);
    }

    private void configure(String pid, Map<String, Object> values, String inForce) throws Exception {
        configure(configAdmin, pid, values, inForce, inForce);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return httpGet(url);
    }
}
