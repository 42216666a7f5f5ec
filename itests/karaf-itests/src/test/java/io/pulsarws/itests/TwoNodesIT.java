package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Two gateway nodes serving one Shared subscription: this Karaf (node A) and a second one (node B) that the test
 * unpacks from the product's assembly and runs as a child process on free ports, stopped by its pid afterwards.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TwoNodesIT extends GatewayTestSupport {
    private static final int MESSAGES = 200;

    private ChildKaraf nodeB;
    private String gatewayB;

    @Override
    @org.ops4j.pax.exam.Configuration
    public Option[] config() throws IOException {
        return OptionUtils.combine(
                super.config(), systemProperty("itest.assembly").value(System.getProperty("assembly.tar.gz")));
    }

    /** Node B: the assembly unpacked afresh, pointed at the build's broker, on its own free ports. */
    @Before
    public void startNodeB() throws Exception {
        nodeB = new ChildKaraf(
                Paths.get(System.getProperty("itest.work.dir"), "node-b"),
                System.getProperty("itest.assembly"),
                Map.of("io.pulsarws.gateway.cfg", Map.of("serviceUrl", System.getProperty("itest.broker.serviceUrl"))));
        nodeB.start(Duration.ofSeconds(120));
        gatewayB = nodeB.gateway();
    }

    @After
    public void stopNodeB() throws Exception {
        if (nodeB != null) {
            nodeB.stop();
        }
    }

    /**
     * Normal case: every message reaches exactly one of the two nodes' consumers, once. Then node B is stopped
     * while it holds messages it has not acknowledged: they are redelivered to node A, so that A ends up with
     * every message B did not acknowledge.
     */
    @Test
    public void aSharedSubscriptionOverTwoNodesDeliversEveryMessage() throws Exception {
        String topic = uniqueTopic("two");
        String sub = "/ws/v2/consumer/persistent/public/default/" + topic + "/shared?subscriptionType=Shared";
        try (WsClient a = WsClient.open(gateway() + sub);
                WsClient b = WsClient.open(gatewayB + sub)) {
            send(topic, 0, MESSAGES);
            Set<String> atA = new HashSet<>();
            Set<String> atB = new HashSet<>();
            int duplicates = drain(a, b, atA, atB, MESSAGES);
            assertEquals("no message delivered twice", 0, duplicates);
            Set<String> all = new HashSet<>(atA);
            all.addAll(atB);
            assertEquals(MESSAGES, all.size());
            assertEquals("each message on exactly one node", MESSAGES, atA.size() + atB.size());
            assertTrue("both nodes took part: A " + atA.size() + ", B " + atB.size(), !atA.isEmpty() && !atB.isEmpty());
            record("two nodes, Shared subscription, " + MESSAGES + " messages: node A " + atA.size() + ", node B "
                    + atB.size() + ", duplicates " + duplicates);

            // B now holds what it receives without acknowledging, and is stopped mid-stream
            send(topic, MESSAGES, 2 * MESSAGES);
            Set<String> heldByB = new HashSet<>();
            Set<String> ackedByA = new HashSet<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (heldByB.size() < 10 && System.nanoTime() < deadline) {
                String f = b.poll(Duration.ofMillis(100));
                if (f != null) {
                    heldByB.add(text(Json.object(f)));
                }
                ackOne(a, ackedByA);
            }
            assertTrue("node B received some of the second batch", heldByB.size() >= 10);
            nodeB.stop();
            // everything of the second batch, including what B held, reaches A
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ackedByA.size() < MESSAGES && System.nanoTime() < end) {
                ackOne(a, ackedByA);
            }
            Set<String> missing = new HashSet<>();
            for (int i = MESSAGES; i < 2 * MESSAGES; i++) {
                if (!ackedByA.contains("m" + i)) {
                    missing.add("m" + i);
                }
            }
            assertTrue("redelivered to node A: " + missing.size() + " missing " + missing, missing.isEmpty());
            assertTrue("what B held came to A", ackedByA.containsAll(heldByB));
            record("two nodes, node B stopped mid-stream after its client had read " + heldByB.size()
                    + " messages it never acknowledged: node A received all " + MESSAGES + " of the second batch");
        }
    }

    private static void send(String topic, int from, int to) throws Exception {
        try (WsClient p = WsClient.open(gateway() + path("producer", topic))) {
            for (int i = from; i < to; i++) {
                p.send("{\"payload\":\"" + b64("m" + i) + "\"}");
            }
            for (int i = from; i < to; i++) {
                assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            }
        }
    }

    /** Receives and acks from both consumers until {@code total} distinct messages came; returns duplicates. */
    private static int drain(WsClient a, WsClient b, Set<String> atA, Set<String> atB, int total) throws Exception {
        int duplicates = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (atA.size() + atB.size() - duplicates < total && System.nanoTime() < deadline) {
            for (Map.Entry<WsClient, Set<String>> e : Map.of(a, atA, b, atB).entrySet()) {
                String f = e.getKey().poll(Duration.ofMillis(20));
                if (f != null) {
                    Map<String, Object> m = Json.object(f);
                    String t = text(m);
                    if (atA.contains(t) || atB.contains(t)) {
                        duplicates++;
                    }
                    e.getValue().add(t);
                    e.getKey().send("{\"messageId\":\"" + m.get("messageId") + "\"}");
                }
            }
        }
        return duplicates;
    }

    private static void ackOne(WsClient a, Set<String> acked) throws Exception {
        String f = a.poll(Duration.ofMillis(20));
        if (f != null) {
            Map<String, Object> m = Json.object(f);
            acked.add(text(m));
            a.send("{\"messageId\":\"" + m.get("messageId") + "\"}");
        }
    }
}
