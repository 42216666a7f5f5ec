package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.features;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
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
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration("io.pulsarws.gateway", null);
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        props.put("serviceUrl", System.getProperty("itest.broker.serviceUrl"));
        c.update(props);
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
