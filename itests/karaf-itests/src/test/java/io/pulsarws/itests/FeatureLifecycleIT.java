package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The feature as an operator meets it: installed at boot with every bundle active, and uninstalled without
 * leaving a Pulsar client thread behind, then installed again and serving. Deliberately uses no JSON library,
 * since uninstalling the feature removes Jackson from the container.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING) // restarts and configuration first, uninstall/reinstall last
public class FeatureLifecycleIT extends GatewayTestSupport {

    @Inject
    private FeaturesService features;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configAdmin;

    /**
     * Limits change in place: an open session survives. Editing the {@code .cfg} file works like ConfigAdmin. A
     * per-session default of the gateway applies in place too; a client setting rebuilds the Pulsar client: open
     * sessions end with 1001 (service restart), and the endpoint, whose registration never changed, serves new
     * handshakes. The time each change takes to show is recorded in {@code measurements.txt}.
     */
    @Test
    public void configurationChangesNeverRestartTheEndpoints() throws Exception {
        String producer = gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("cfg");
        try (WsClient open = WsClient.open(producer)) {
            long t0 = System.nanoTime();
            update("io.pulsarws.websocket", "maxTextFrameSize", 2048);
            awaitFrameLimit(producer, true);
            long viaConfigAdmin = millisSince(t0);

            // the operator's way: edit etc/io.pulsarws.websocket.cfg; Felix FileInstall polls it every second
            Path cfg = Paths.get(System.getProperty("karaf.etc"), "io.pulsarws.websocket.cfg");
            String before = Files.readString(cfg);
            // keep the file's format: once ConfigAdmin has written it back, its values are quoted (typed format)
            String value = before.contains("= \"") ? "\"1048576\"" : "1048576";
            String edited = before.replaceAll("(?m)^maxTextFrameSize\\s*=.*$", "maxTextFrameSize = " + value)
                    + "# edited by FeatureLifecycleIT" + System.lineSeparator();
            assertTrue("the file names the key: " + before, edited.contains("maxTextFrameSize = " + value));
            t0 = System.nanoTime();
            Files.writeString(cfg, edited);
            awaitFrameLimit(producer, false);
            long viaFile = millisSince(t0);

            open.send("{\"payload\":\"aGk=\",\"context\":\"still-open\"}");
            String r = open.next(TIMEOUT);
            assertTrue(r, r.startsWith("{\"result\":\"ok\"") && r.contains("still-open"));

            long mark = logMark();
            update("io.pulsarws.gateway", "maxPendingMessages", 500); // a per-session default: in place
            awaitLogSince(mark, "the in-place setting applied", "settings applied in place");
            open.send("{\"payload\":\"aGk=\",\"context\":\"in-place\"}");
            assertTrue(open.next(TIMEOUT).contains("in-place"));
            assertFalse("no close for an in-place setting (a 1001 would have come within 20 ms)", open.isClosed());

            t0 = System.nanoTime();
            update("io.pulsarws.gateway", "connectionTimeoutMillis", 9000); // a client setting: rebuilt
            assertEquals(1001, open.awaitClose(TIMEOUT));
            assertEquals("Service restart: reconnect", open.closeReason());
            long rebuildClosed = millisSince(t0);
            await("handshakes served by the rebuilt client", TIMEOUT, () -> {
                try {
                    produceOnce();
                    return true;
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            long rebuildServing = millisSince(t0);
            record(String.format(
                    "reload latency: limit via ConfigAdmin %d ms, limit via etc/*.cfg edit %d ms, "
                            + "client rebuild: sessions closed with 1001 after %d ms, new handshakes served after %d ms",
                    viaConfigAdmin, viaFile, rebuildClosed, rebuildServing));
            assertTrue("ConfigAdmin change applied within 2 s: " + viaConfigAdmin, viaConfigAdmin < 2000);
            assertTrue("file edit applied within 2 s (FileInstall polls every second): " + viaFile, viaFile < 2000);
            assertTrue("rebuild closed sessions within 2 s: " + rebuildClosed, rebuildClosed < 2000);
        }
    }

    /**
     * A client rebuild loses no acknowledgement: acks sent right before the change still reach the broker (the
     * old consumer flushes them as it closes), so the reconnected consumer gets exactly the unacknowledged rest.
     */
    @Test
    public void clientRebuildLosesNoAcknowledgement() throws Exception {
        awaitNoClientRebuildFor(Duration.ofSeconds(3));
        String topic = uniqueTopic("acks");
        String consumerUrl = gateway() + "/ws/v2/consumer/persistent/public/default/" + topic + "/keep";
        try (WsClient c = WsClient.open(consumerUrl)) {
            String[] payloads = new String[10];
            for (int i = 0; i < payloads.length; i++) {
                payloads[i] = "m" + i;
            }
            try (WsClient p = WsClient.open(gateway() + "/ws/v2/producer/persistent/public/default/" + topic)) {
                for (String payload : payloads) {
                    p.send("{\"payload\":\"" + b64(payload) + "\"}");
                    assertTrue(p.next(TIMEOUT).startsWith("{\"result\":\"ok\""));
                }
            }
            for (int i = 0; i < 10; i++) {
                String frame = c.next(TIMEOUT);
                if (i < 5) {
                    c.send("{\"messageId\":\"" + field(frame, "messageId") + "\"}");
                }
            }
            update("io.pulsarws.gateway", "connectionTimeoutMillis", 8000); // at once, acks possibly in flight
            assertEquals(1001, c.awaitClose(TIMEOUT));
        }
        java.util.Set<String> again = new java.util.TreeSet<>();
        await("the consumer back after the rebuild", TIMEOUT, () -> {
            try (WsClient c = WsClient.open(consumerUrl)) {
                for (String f = c.poll(Duration.ofSeconds(3)); f != null; f = c.poll(Duration.ofSeconds(1))) {
                    again.add(new String(
                            java.util.Base64.getDecoder().decode(field(f, "payload")), StandardCharsets.UTF_8));
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(java.util.Set.of("m5", "m6", "m7", "m8", "m9"), again);
    }

    /**
     * Waits until the gateway has closed no Pulsar client for {@code quiet}: a rebuild still on its way from an
     * earlier test would close this test's consumer (1001) before its acks and stand in for the rebuild it makes
     * itself (a full run saw one 0.2 s into the test, after bundleRestartsLeaveNoLeakedThreads restarted the
     * gateway: every ack but the first was sent on a closing session).
     */
    private static void awaitNoClientRebuildFor(Duration quiet) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long mark = logMark();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < quiet.toNanos()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the gateway kept rebuilding its Pulsar client for " + TIMEOUT);
            }
            Thread.sleep(100); // a poll interval of the condition above
            if (logSince(mark).contains("Client closing")) {
                mark = logMark();
                quietSince = System.nanoTime();
            }
        }
    }

    /**
     * A configuration the gateway cannot use is rejected with an error line; the previous one stays in force:
     * open sessions stay open and new handshakes are served.
     */
    @Test
    public void invalidGatewayConfigurationIsRejectedAndThePreviousStaysInForce() throws Exception {
        String producer = gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("bad");
        String serviceUrl = (String) configAdmin
                .getConfiguration("io.pulsarws.gateway", null)
                .getProperties()
                .get("serviceUrl");
        Path log = Paths.get(System.getProperty("karaf.data"), "log", "karaf.log");
        try (WsClient open = WsClient.open(producer)) {
            update("io.pulsarws.gateway", "serviceUrl", "bogus://nowhere:1");
            await(
                    "the rejection logged",
                    TIMEOUT,
                    () -> read(log)
                            .contains("Rejected io.pulsarws.gateway configuration: serviceUrl must be pulsar://"));
            Configuration c = configAdmin.getConfiguration("io.pulsarws.gateway", null);
            Dictionary<String, Object> props = c.getProperties();
            props.put("serviceUrl", serviceUrl);
            props.put("brokerClientAuthenticationPlugin", "org.example.NoSuchAuthentication");
            c.update(props);
            await(
                    "the second rejection logged",
                    TIMEOUT,
                    () -> read(log)
                            .contains(
                                    "brokerClientAuthenticationPlugin org.example.NoSuchAuthentication cannot be created"));
            assertEquals("the open session was not closed", null, open.poll(Duration.ofSeconds(1)));
            open.send("{\"payload\":\"aGk=\",\"context\":\"kept\"}");
            assertTrue(open.next(TIMEOUT).contains("kept"));
            produceOnce();
        } finally {
            Configuration c = configAdmin.getConfiguration("io.pulsarws.gateway", null);
            Dictionary<String, Object> props = c.getProperties();
            props.put("serviceUrl", serviceUrl);
            props.put("brokerClientAuthenticationPlugin", "");
            c.update(props);
        }
        produceOnce();
    }

    /**
     * {@code bundle:restart} of each of our bundles leaves no leaked thread: after each restart the gateway
     * serves again and the Pulsar and gateway threads are as many as before.
     */
    @Test
    public void bundleRestartsLeaveNoLeakedThreads() throws Exception {
        produceOnce();
        // a reader once, so that the client's threads started at a first read (they live as long as the client)
        // are there before the count
        try (SseClient warm = SseClient.open(readerStream(), java.util.Map.of())) {
            assertEquals("session", warm.next(TIMEOUT).event());
        }
        int pulsarBefore = pulsarThreads().size();
        int allBefore = serverThreads();
        StringBuilder counts = new StringBuilder();
        for (String bsn : List.of(
                "io.pulsarws.websocket",
                "io.pulsarws.shell",
                "io.pulsarws.session",
                "io.pulsarws.codec",
                "io.pulsarws.zookeeper",
                "io.pulsarws.pulsar.client")) {
            Bundle b = bundle(bsn);
            SseClient stream = null;
            if (bsn.equals("io.pulsarws.websocket")) {
                // an event stream of the HTTP fallback open across the stop: it ends with the endpoints
                stream = SseClient.open(readerStream(), java.util.Map.of());
                assertEquals(200, stream.status());
                assertEquals("session", stream.next(TIMEOUT).event());
            }
            b.stop();
            if (stream != null) {
                SseClient s = stream;
                await("the event stream ended by the endpoints' stop", TIMEOUT, s::ended);
                s.close();
            }
            b.start();
            await(bsn + " serving again after its restart", Duration.ofSeconds(60), () -> {
                try {
                    produceOnce();
                    return true;
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            await(
                    "the previous client's threads to end after restarting " + bsn,
                    TIMEOUT,
                    () -> pulsarThreads().size() <= pulsarBefore);
            counts.append(String.format(
                    " %s: pulsar* %d, all %d;", bsn, pulsarThreads().size(), serverThreads()));
            // no more than before (a new client has not yet started the threads a first read starts)
            assertTrue(bsn + ": " + pulsarThreads(), pulsarThreads().size() <= pulsarBefore);
        }
        record("threads before restarts: pulsar* " + pulsarBefore + ", all " + allBefore + "; after restarting"
                + counts);
        assertTrue("all threads grew by more than Jetty's pool slack: " + counts, serverThreads() <= allBefore + 10);
    }

    /** @return the HTTP fallback's URL of a reader of a new topic */
    private static String readerStream() {
        return "http://127.0.0.1:" + System.getProperty("itest.http.port")
                + "/http/v2/reader/persistent/public/default/" + uniqueTopic("restart") + "?messageId=earliest";
    }

    private void awaitFrameLimit(String producer, boolean limited) throws InterruptedException {
        // frames of 3 KiB are refused by connections opened after a 2 KiB limit, accepted under the default
        await(limited ? "the 2 KiB limit applied" : "the default limit back", TIMEOUT, () -> {
            try (WsClient probe = WsClient.open(producer)) {
                probe.send("{\"payload\":\"" + "A".repeat(3000) + "\"}");
                // both outcomes take milliseconds: a short wait keeps the measured latency close to the real one
                if (limited) {
                    return probe.awaitClose(Duration.ofMillis(500)) == 1009;
                }
                return probe.poll(Duration.ofMillis(500)) != null;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** A string field of a frame, without a JSON library (see the class comment). */
    private static String field(String frame, String name) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(frame);
        assertTrue(frame, m.find());
        return m.group(1);
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private void update(String pid, String key, Object value) throws Exception {
        Configuration c = configAdmin.getConfiguration(pid, null);
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        props.put(key, value);
        c.update(props);
    }

    @Test
    public void uninstallLeavesNoClientThreadsAndReinstallServesAgain() throws Exception {
        assertTrue(features.isInstalled(features.getFeature(FEATURE)));
        for (String bsn : List.of(
                "io.pulsarws.codec",
                "io.pulsarws.session",
                "io.pulsarws.websocket",
                "io.pulsarws.websocket.jetty12",
                "io.pulsarws.pulsar.client",
                "io.pulsarws.zookeeper",
                "io.pulsarws.shell")) {
            assertEquals(bsn, Bundle.ACTIVE, bundle(bsn).getState());
        }
        produceOnce();
        assertFalse("a live session runs Pulsar client threads", pulsarThreads().isEmpty());

        features.uninstallFeature(FEATURE, EnumSet.noneOf(FeaturesService.Option.class));
        assertEquals(null, bundle("io.pulsarws.session"));
        await("Pulsar client threads to end", TIMEOUT, () -> pulsarThreads().isEmpty());

        features.installFeature(FEATURE, EnumSet.noneOf(FeaturesService.Option.class));
        await("gateway to serve again", Duration.ofSeconds(60), () -> {
            try {
                produceOnce();
                return true;
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
    }

    private void produceOnce() throws Exception {
        try (WsClient p =
                WsClient.open(gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("life"))) {
            p.send("{\"payload\":\"aGk=\",\"context\":\"c\"}");
            String r = p.next(TIMEOUT);
            assertTrue(r, r.startsWith("{\"result\":\"ok\""));
        }
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /** @return live threads of the container, without the test's own HTTP/WebSocket clients */
    private static int serverThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !t.getName().startsWith("HttpClient-")) {
                n++;
            }
        }
        return n;
    }

    /** Threads of the Pulsar client (pulsar-*) and of the gateway itself (pulsarws-*). */
    private static List<String> pulsarThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("pulsar")) {
                names.add(t.getName());
            }
        }
        return names;
    }
}
