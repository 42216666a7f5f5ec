package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runners.MethodSorters;
import org.junit.runner.RunWith;
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
@FixMethodOrder(MethodSorters.NAME_ASCENDING) // configuration first, then uninstall/reinstall
public class FeatureLifecycleIT extends GatewayTestSupport {
    private static final String FEATURE = "pulsar-websocket";

    @Inject
    private FeaturesService features;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configAdmin;

    /**
     * Limits change in place: an open session survives. A client setting rebuilds the Pulsar client: open sessions
     * end with 1012 (service restart), and the endpoint, whose registration never changed, serves new handshakes.
     */
    @Test
    public void configurationChangesNeverRestartTheEndpoints() throws Exception {
        String producer = gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("cfg");
        try (WsClient open = WsClient.open(producer)) {
            update("io.pulsarws.websocket", "maxTextFrameSize", 2048);
            // frames of 3 KiB are refused by connections opened from now on, which shows the change took effect
            await("new limit applied", TIMEOUT, () -> {
                try (WsClient probe = WsClient.open(producer)) {
                    probe.send("{\"payload\":\"" + "A".repeat(3000) + "\"}");
                    return probe.awaitClose(Duration.ofSeconds(2)) == 1009;
                } catch (Exception e) {
                    return false;
                }
            });
            open.send("{\"payload\":\"aGk=\",\"context\":\"still-open\"}");
            String r = open.next(TIMEOUT);
            assertTrue(r, r.startsWith("{\"result\":\"ok\"") && r.contains("still-open"));

            update("io.pulsarws.gateway", "memoryLimitMb", 32);
            assertEquals(1012, open.awaitClose(TIMEOUT));
        }
        await("handshakes served by the rebuilt client", TIMEOUT, () -> {
            try {
                produceOnce();
                return true;
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
        update("io.pulsarws.websocket", "maxTextFrameSize", 1_048_576);
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
        for (String bsn : List.of("io.pulsarws.codec", "io.pulsarws.session", "io.pulsarws.websocket",
                "io.pulsarws.pulsar.client")) {
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
        try (WsClient p = WsClient.open(gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("life"))) {
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
