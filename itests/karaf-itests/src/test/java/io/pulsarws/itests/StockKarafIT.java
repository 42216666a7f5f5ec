package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.features;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * An operator's existing Karaf: the stock apache-karaf 4.4.10 distribution, then the equivalent of
 * {@code feature:repo-add mvn:io.pulsarws/pulsar-websocket-features/VERSION/xml/features} and
 * {@code feature:install pulsar-websocket}, then {@code config:property-set serviceUrl ...}, then a message.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class StockKarafIT extends GatewayTestSupport {

    @Inject
    private FeaturesService features;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Override
    @Configuration
    public Option[] config() throws IOException {
        String karaf = maven("org.apache.karaf", "apache-karaf", System.getProperty("karaf.version"))
                .type("tar.gz")
                .getURL();
        return OptionUtils.combine(
                options(karaf, "stock-karaf"),
                features(
                        maven("io.pulsarws", "pulsar-websocket-features", System.getProperty("project.version"))
                                .classifier("features")
                                .type("xml"),
                        "pulsar-websocket"));
    }

    @Test
    public void installsOnStockKarafAndServes() throws Exception {
        assertTrue(features.isInstalled(features.getFeature("pulsar-websocket")));
        useTheTestBroker();
        String producer = gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("stock");
        await("the gateway on the configured broker", TIMEOUT, () -> {
            try (WsClient p = WsClient.open(producer)) {
                p.send("{\"payload\":\"aGk=\",\"context\":\"stock\"}");
                return p.next(TIMEOUT).startsWith("{\"result\":\"ok\"");
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
    }

    /** Points the gateway at the test's broker (either test may run first). */
    private void useTheTestBroker() throws IOException {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("io.pulsarws.gateway", null);
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        if (!System.getProperty("itest.broker.serviceUrl").equals(props.get("serviceUrl"))) {
            props.put("serviceUrl", System.getProperty("itest.broker.serviceUrl"));
            c.update(props);
        }
    }

    /**
     * Issue 26, part 3: stock Karaf's Jetty 9.4 answers no extension to a browser's offer of permessage-deflate (as
     * Pax Web 8 sets it up it did not before either), and the jetty9 transport keeps it so with {@code
     * permessageDeflate=true}, which only the assembly's Jetty 12 transport honours; sessions work either way.
     */
    @Test
    public void jetty94DeclinesPermessageDeflate() throws Exception {
        useTheTestBroker();
        Map<String, String> offer = Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");
        String producer = gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("stock-deflate");
        await("the gateway serving", TIMEOUT, () -> {
            try (RawWs ws = RawWs.open(producer, 0, offer)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        try (RawWs ws = RawWs.open(producer, 0, offer)) {
            assertNull(String.valueOf(ws.responseHeaders), ws.responseHeaders.get("sec-websocket-extensions"));
        }
        configure(
                configAdmin,
                "io.pulsarws.websocket",
                Map.of("permessageDeflate", "true"),
                "permessage-deflate on",
                "permessage-deflate on");
        try (RawWs ws = RawWs.open(producer, 0, offer)) {
            assertNull(String.valueOf(ws.responseHeaders), ws.responseHeaders.get("sec-websocket-extensions"));
            ws.sendText("{\"payload\":\"aGk=\"}");
            assertTrue(ws.nextText(TIMEOUT).startsWith("{\"result\":\"ok\""));
        }
    }

    /**
     * What stock Karaf 4.4.10 (Pax Web 8, Jetty 9.4.58) does with CVE-2026-2332's proof of concept: it reads the open
     * quoted string as ended by the CRLF and serves the second request. {@code docs/security.md} tells operators of
     * stock Karaf to put a normalising proxy in front; the assembly is not affected
     * ({@link SecurityIT#chunkExtensionSmugglingIsRefused}). When this starts failing, Karaf ships a fixed Jetty.
     */
    @Test
    public void jetty94ServesTheSmuggledRequest() throws Exception {
        int port = Integer.parseInt(System.getProperty("itest.http.port"));
        await("/health served", TIMEOUT, () -> Smuggling.healthUp(port));
        String answer = Smuggling.send(port);
        assertTrue(answer, Smuggling.smuggledServed(answer));
        assertEquals(answer, 2, Smuggling.statuses(answer).split(" ").length);
    }
}
