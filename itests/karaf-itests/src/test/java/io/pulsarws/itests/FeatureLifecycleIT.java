package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The feature as an operator meets it: installed at boot with every bundle active, and uninstalled without
 * leaving a Pulsar client thread behind, then installed again and serving. Deliberately uses no JSON library,
 * since uninstalling the feature removes Jackson from the container.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FeatureLifecycleIT extends GatewayTestSupport {
    private static final String FEATURE = "pulsar-websocket";

    @Inject
    private FeaturesService features;

    @Inject
    private BundleContext context;

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

    /** Threads the Pulsar client (and its shaded Netty) names after itself. */
    private static List<String> pulsarThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("pulsar-")) {
                names.add(t.getName());
            }
        }
        return names;
    }
}
