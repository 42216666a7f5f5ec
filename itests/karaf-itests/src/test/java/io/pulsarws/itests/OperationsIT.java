package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The gateway as an operator watches it: the {@code pulsar-ws:*} shell commands, the JMX MBeans, and the
 * health and readiness endpoints, against the build's broker and then against an address where no broker listens.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING) // the readiness test, which points the gateway elsewhere, runs last
public class OperationsIT extends GatewayTestSupport {

    @Inject
    private SessionFactory shell;

    @Inject
    private ConfigurationAdmin configAdmin;

    /** Runs a shell command as a Karaf console user would; returns what it printed on stdout and stderr. */
    private String run(String command) throws Exception {
        return shell(shell, command);
    }

    /** @return the CSV rows of a command's {@code --csv} output, keyed by header */
    private List<Map<String, String>> csv(String command) throws Exception {
        String[] lines = run(command).trim().split("\\R");
        String[] headers = lines[0].split(",");
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] cells = lines[i].split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < headers.length && c < cells.length; c++) {
                row.put(headers[c], cells[c]);
            }
            rows.add(row);
        }
        return rows;
    }

    @Test
    public void a_shellCommandsShowSessionsTopicsAndCloseOne() throws Exception {
        String topic = uniqueTopic("shell");
        try (WsClient consumer = WsClient.open(gateway() + path("consumer", topic) + "/ops");
                WsClient producer = WsClient.open(gateway() + path("producer", topic))) {
            String ackId = null;
            for (int i = 0; i < 3; i++) {
                producer.send("{\"payload\":\"" + b64("m" + i) + "\"}");
                assertEquals("ok", Json.object(producer.next(TIMEOUT)).get("result"));
                String id = (String) Json.object(consumer.next(TIMEOUT)).get("messageId");
                ackId = ackId == null ? id : ackId;
            }
            consumer.send("{\"messageId\":\"" + ackId + "\"}");
            String full = "persistent://public/default/" + topic;
            await("the ack counted", TIMEOUT, () -> {
                try {
                    return csv("pulsar-ws:sessions --csv --kind consumer").stream()
                            .anyMatch(r -> full.equals(r.get("Topic")) && "1".equals(r.get("In")));
                } catch (Exception e) {
                    return false;
                }
            });
            Map<String, String> p = only(csv("pulsar-ws:sessions --csv"), full, "producer");
            Map<String, String> c = only(csv("pulsar-ws:sessions --csv"), full, "consumer");
            assertEquals("3", p.get("In"));
            assertEquals("3", p.get("Out"));
            assertEquals("0", p.get("Pending"));
            assertEquals("ops", c.get("Subscription"));
            assertEquals("1", c.get("In"));
            assertEquals("3", c.get("Out"));
            assertEquals("2", c.get("Pending"));
            assertTrue(p.get("Remote").startsWith("127.0.0.1:"));

            String table = run("pulsar-ws:sessions");
            assertTrue(table, table.contains("Subscription") && table.contains(full));

            Map<String, String> t = csv("pulsar-ws:topics --csv").stream()
                    .filter(r -> full.equals(r.get("Topic")))
                    .findFirst()
                    .orElseThrow();
            assertEquals("1", t.get("Producers"));
            assertEquals("1", t.get("Consumers"));
            assertEquals("3", t.get("Published"));
            assertEquals("3", t.get("Delivered"));

            String closed = run("pulsar-ws:close " + c.get("Id"));
            assertTrue(closed, closed.contains("Closed session " + c.get("Id")));
            assertEquals(1000, consumer.awaitClose(TIMEOUT));
            assertTrue(run("pulsar-ws:close 999999").contains("No open session 999999"));
            await("the closed session gone from the list", TIMEOUT, () -> {
                try {
                    return csv("pulsar-ws:sessions --csv --kind consumer").stream()
                            .noneMatch(r -> full.equals(r.get("Topic")));
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static Map<String, String> only(List<Map<String, String>> rows, String topic, String kind) {
        List<Map<String, String>> match = rows.stream()
                .filter(r -> topic.equals(r.get("Topic")) && kind.equals(r.get("Kind")))
                .toList();
        assertEquals(rows.toString(), 1, match.size());
        return match.get(0);
    }

    /** The configuration in force, with every secret masked, and the broker check. */
    @Test
    public void b_configShowsSecretsMaskedAndCheckReachesTheBroker() throws Exception {
        update("io.pulsarws.security", "tokenSecretKey", "c2VjcmV0LWtleS12YWx1ZQ==");
        // a key no metatype declares is masked too, as it may be a misspelled secret (beyond case: ConfigAdmin
        // keys ignore case), even one that names no "secret" for a rule by key names to catch
        update("io.pulsarws.security", "tokenScretKey", "misspelled-secret-value");
        update("io.pulsarws.gateway", "brokerClientAuthenticationParameters", "token:secret-param-value");
        // all three updates in force: Karaf writes each back to etc/ and its file watcher applies it once more,
        // and one full run listed no io.pulsarws.security configuration at all in between
        await("the gateway rebuilt with the new parameters, and the security settings in force", TIMEOUT, () -> {
            try {
                String now = run("pulsar-ws:config --csv");
                return now.contains("io.pulsarws.gateway,brokerClientAuthenticationParameters,***")
                        && now.contains("io.pulsarws.security,tokenSecretKey,")
                        && now.contains("io.pulsarws.security,tokenScretKey,");
            } catch (Exception e) {
                return false;
            }
        });
        String config = run("pulsar-ws:config --csv");
        assertTrue(
                config,
                config.contains("io.pulsarws.gateway,serviceUrl," + System.getProperty("itest.broker.serviceUrl")));
        assertTrue(config, config.contains("io.pulsarws.security,tokenSecretKey,***"));
        assertTrue(config, config.contains("io.pulsarws.security,tokenScretKey,***"));
        assertTrue(config, config.contains("io.pulsarws.security,tokenAuthClaim,sub"));
        assertTrue(config, config.contains("io.pulsarws.websocket,maxTextFrameSize,"));
        assertFalse(
                config,
                config.contains("secret-param-value")
                        || config.contains("c2VjcmV0LWtleS12YWx1ZQ")
                        || config.contains("misspelled-secret-value"));
        String check = run("pulsar-ws:check");
        assertTrue(check, check.startsWith("Broker reachable: " + System.getProperty("itest.broker.serviceUrl")));
    }

    /** The same figures over JMX, where Karaf Decanter's JMX collector reads them. */
    @Test
    public void c_mbeansCarryTheCounters() throws Exception {
        String topic = uniqueTopic("jmx");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName gatewayName = new ObjectName("io.pulsarws:type=Gateway");
        ObjectName namespace = new ObjectName("io.pulsarws:type=Namespace,name=public/default");
        long publishedBefore =
                server.isRegistered(namespace) ? (Long) server.getAttribute(namespace, "MessagesPublished") : 0;
        long deliveredBefore =
                server.isRegistered(namespace) ? (Long) server.getAttribute(namespace, "MessagesDelivered") : 0;
        // the earlier tests' clients have closed; the gateway forgets a session once it has read that close
        await("the sessions of earlier tests gone", TIMEOUT, () -> {
            try {
                return (Integer) server.getAttribute(gatewayName, "OpenSessions") == 0;
            } catch (Exception e) {
                return false;
            }
        });
        int openBefore = 0;
        int consumersBefore = (Integer) server.getAttribute(gatewayName, "ConsumerSessions");
        try (WsClient consumer = WsClient.open(gateway() + path("consumer", topic) + "/jmx")) {
            produce(topic, "a", "b");
            assertNotNull(consumer.next(TIMEOUT));
            assertEquals(
                    consumersBefore + 1, ((Integer) server.getAttribute(gatewayName, "ConsumerSessions")).intValue());
            // produce()'s producer closed its socket; the gateway forgets it once it has read that close
            await("the consumer the only session added", TIMEOUT, () -> {
                try {
                    return (Integer) server.getAttribute(gatewayName, "OpenSessions") == openBefore + 1;
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(System.getProperty("itest.broker.serviceUrl"), server.getAttribute(gatewayName, "ServiceUrl"));
            // the configuration in force, the same view as pulsar-ws:config: b_ set the secret parameters
            javax.management.openmbean.TabularData config =
                    (javax.management.openmbean.TabularData) server.getAttribute(gatewayName, "Configuration");
            Map<String, String> settings = new java.util.HashMap<>();
            for (Object row : config.values()) {
                javax.management.openmbean.CompositeData d = (javax.management.openmbean.CompositeData) row;
                settings.put((String) d.get("key"), (String) d.get("value"));
            }
            assertEquals(System.getProperty("itest.broker.serviceUrl"), settings.get("serviceUrl"));
            assertEquals("***", settings.get("brokerClientAuthenticationParameters"));
            assertEquals(publishedBefore + 2, ((Long) server.getAttribute(namespace, "MessagesPublished")).longValue());
            await("both delivered", TIMEOUT, () -> {
                try {
                    return (Long) server.getAttribute(namespace, "MessagesDelivered") == deliveredBefore + 2;
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue((Long) server.getAttribute(namespace, "PublishLatencyMeanMicros") > 0);
            String id = csv("pulsar-ws:sessions --csv --kind consumer").stream()
                    .filter(r -> r.get("Topic").endsWith(topic))
                    .findFirst()
                    .orElseThrow()
                    .get("Id");
            assertEquals(
                    Boolean.TRUE,
                    server.invoke(
                            gatewayName, "closeSession", new Object[] {Long.parseLong(id)}, new String[] {"long"}));
            assertEquals(1000, consumer.awaitClose(TIMEOUT));
        }
    }

    /**
     * Refused handshakes and ended sessions are counted by code in {@code /metrics}, and every metric the shipped
     * Grafana dashboard ({@code docs/grafana-dashboard.json}) queries exists in a real scrape.
     */
    @Test
    public void c2_edgeCountersAndTheDashboardsMetrics() throws Exception {
        String refused = "pulsarws_handshakes_refused_total{status=\"404\"} ";
        String closed = "pulsarws_sessions_closed_total{code=\"1000\"} ";
        double refusedBefore = metric(refused);
        double closedBefore = metric(closed);
        assertTrue("the labels exist before anything happened to them", refusedBefore >= 0 && closedBefore >= 0);
        assertEquals(404, WsClient.refusedStatus(gateway() + "/ws/v2/producer/persistent/nosuchtenant/default/t"));
        try (WsClient producer = WsClient.open(gateway() + path("producer", uniqueTopic("edge")))) {
            producer.send("{\"payload\":\"" + b64("x") + "\"}");
            assertNotNull(producer.next(TIMEOUT));
        } // closed with 1000
        await("the refusal counted", TIMEOUT, () -> metric(refused) == refusedBefore + 1);
        await("the close counted", TIMEOUT, () -> metric(closed) >= closedBefore + 1);

        String dashboard = java.nio.file.Files.readString(
                java.nio.file.Paths.get(System.getProperty("itest.docs.dir"), "grafana-dashboard.json"));
        java.util.Set<String> queried = new java.util.TreeSet<>();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("pulsarws_[a-z_]+").matcher(dashboard);
        while (m.find()) {
            queried.add(m.group());
        }
        String scrape = get("/metrics");
        List<String> missing = new ArrayList<>();
        for (String name : queried) {
            String histogram = name.replaceAll("_(bucket|sum|count)$", "");
            if (!scrape.contains("# TYPE " + name + " ")
                    && !(histogram.length() < name.length() && scrape.contains("# TYPE " + histogram + " histogram"))) {
                missing.add(name);
            }
        }
        assertTrue("the dashboard queries " + queried, queried.size() >= 12);
        assertTrue("not in /metrics: " + missing + "\n" + scrape, missing.isEmpty());
    }

    /**
     * The AsyncAPI description is served at {@code /pulsar-websocket/asyncapi.yaml}, byte for byte the file kept in
     * {@code docs/}, and the AsyncAPI Initiative's own parser ({@code @asyncapi/parser}, under Node) finds no error in
     * it; the same parser finds the error in a copy with a reference to a message that does not exist.
     */
    @Test
    public void c3_theAsyncApiDescriptionIsServedAndValid() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + System.getProperty("itest.http.port")
                                        + "/pulsar-websocket/asyncapi.yaml"))
                                .timeout(TIMEOUT)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals(
                "application/yaml;charset=utf-8",
                r.headers()
                        .firstValue("Content-Type")
                        .orElse("")
                        .replace(" ", "")
                        .toLowerCase(java.util.Locale.ROOT));
        java.nio.file.Path kept = java.nio.file.Paths.get(System.getProperty("itest.docs.dir"), "asyncapi.yaml");
        org.junit.Assert.assertArrayEquals(java.nio.file.Files.readAllBytes(kept), r.body());

        java.nio.file.Path work = java.nio.file.Files.createDirectories(
                java.nio.file.Paths.get(System.getProperty("itest.work.dir"), "asyncapi"));
        java.nio.file.Path served = work.resolve("served.yaml");
        java.nio.file.Files.write(served, r.body());
        String valid = validate(served);
        assertTrue(valid, valid.startsWith("exit 0") && valid.contains("channels 7 operations 17 messages 13"));
        assertFalse(valid, valid.contains("\nerror "));

        java.nio.file.Path broken = work.resolve("broken.yaml");
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertTrue(text.contains("$ref: '#/components/messages/sendResult'"));
        java.nio.file.Files.writeString(
                broken,
                text.replace(
                        "$ref: '#/components/messages/sendResult'", "$ref: '#/components/messages/noSuchMessage'"));
        String invalid = validate(broken);
        assertTrue(invalid, invalid.startsWith("exit 1") && invalid.contains("\nerror "));
    }

    /** @return "exit N" and the output of the AsyncAPI check (itests/karaf-itests/src/test/node/asyncapi) */
    private static String validate(java.nio.file.Path document) throws Exception {
        java.nio.file.Path check = java.nio.file.Paths.get(System.getProperty("itest.asyncapi.check.dir"));
        java.nio.file.Path out = document.resolveSibling(document.getFileName() + ".out");
        Process p = new ProcessBuilder("node", check.resolve("validate.mjs").toString(), document.toString())
                .directory(check.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            assertTrue(
                    "the AsyncAPI check finished within 2 minutes",
                    p.waitFor(2, java.util.concurrent.TimeUnit.MINUTES));
        } finally {
            p.destroyForcibly();
        }
        return "exit " + p.exitValue() + "\n" + java.nio.file.Files.readString(out);
    }

    /**
     * {@code /health} answers while the endpoints are served; {@code /ready} only while the broker answers: pointing
     * the gateway at a port where nothing listens makes it 503 with the reason, and back makes it 200.
     */
    @Test
    public void d_readinessFollowsTheBroker() throws Exception {
        assertEquals("200 {\"status\":\"UP\"}", get("/health"));
        assertEquals("200 {\"status\":\"READY\"}", get("/ready"));
        String serviceUrl = System.getProperty("itest.broker.serviceUrl");
        int nobody;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = s.getLocalPort();
        }
        update("io.pulsarws.gateway", "serviceUrl", "pulsar://127.0.0.1:" + nobody);
        try {
            await("readiness lost", Duration.ofSeconds(60), () -> get("/ready").startsWith("503 "));
            String ready = get("/ready");
            assertTrue(ready, ready.contains("\"status\":\"NOT_READY\"") && ready.contains("\"reason\":"));
            assertEquals("200 {\"status\":\"UP\"}", get("/health"));
            String check = run("pulsar-ws:check --timeout 3");
            assertTrue(check, check.startsWith("Broker NOT reachable: pulsar://127.0.0.1:" + nobody));
        } finally {
            update("io.pulsarws.gateway", "serviceUrl", serviceUrl);
        }
        await("readiness back", Duration.ofSeconds(60), () -> get("/ready").equals("200 {\"status\":\"READY\"}"));
    }

    private static String get(String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + System.getProperty("itest.http.port") + path))
                                    .timeout(TIMEOUT)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (Exception e) {
            return "error " + e;
        }
    }

    private void update(String pid, String key, Object value) throws Exception {
        Configuration c = configAdmin.getConfiguration(pid, null);
        Dictionary<String, Object> props = c.getProperties();
        props.put(key, value);
        c.update(props);
    }
}
