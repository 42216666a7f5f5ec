package io.pulsarws.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-session footprint from two class histograms. */
class FootprintTest {
    private static final String BEFORE = String.join(
            "\n",
            "6188:",
            " num     #instances         #bytes  class name (module)",
            "-------------------------------------------------------",
            "   1:         10000        1000000  [B (java.base@17.0.13)",
            "   2:            10            400  org.eclipse.jetty.websocket.common.WebSocketSession",
            "   3:             5            200  io.pulsarws.session.internal.ProducerSession",
            "   4:             1             64  java.util.HashMap$Node (java.base@17.0.13)",
            "Total         10016        1000664");

    private static final String HELD = String.join(
            "\n",
            " num     #instances         #bytes  class name (module)",
            "   1:         20000        3000000  [B (java.base@17.0.13)",
            "   2:          1010          40400  org.eclipse.jetty.websocket.common.WebSocketSession",
            // the same class in two bundles' loaders: both count
            "   3:           505          20200  io.pulsarws.session.internal.ProducerSession",
            "   4:             5            200  io.pulsarws.session.internal.ProducerSession",
            "   5:          1000          80000  org.apache.pulsar.client.impl.ProducerImpl",
            "   6:          1000          24000  io.netty.util.Recycler$DefaultHandle",
            "   7:          1000          32000  org.apache.pulsar.websocket.ProducerHandler",
            "   8:          1000           8000  io.opentelemetry.api.internal.InternalAttributeKeyImpl",
            "Total          1000        1000000");

    @Test
    void groupsTheGrowthPerSession() {
        Map<String, Double> each = Footprint.perSession(Footprint.parse(BEFORE), Footprint.parse(HELD), 1000);
        assertEquals(40.0, each.get("jetty"), 1e-9);
        // ours and the proxy's own classes are both "the session"
        assertEquals(20.2 + 32.0, each.get("session"), 1e-9);
        // the client's OpenTelemetry attributes are the client's
        assertEquals(80.0 + 24.0 + 8.0, each.get("pulsar"), 1e-9);
        // byte[] grew by 2,000,000; a HashMap$Node went away
        assertEquals(2000.0 - 0.064, each.get("jdk"), 1e-9);
        assertEquals(40.0 + 52.2 + 112.0 + 1999.936, each.get("total"), 1e-9);
    }

    @Test
    void theTopListStartsWithTheLargestGrowth() {
        var top = Footprint.top(Footprint.parse(BEFORE), Footprint.parse(HELD), 1000, 2);
        assertEquals(2, top.size());
        assertEquals("    2000 B  [B", top.get(0));
        assertEquals("      80 B  org.apache.pulsar.client.impl.ProducerImpl", top.get(1));
    }

    @Test
    void theHeaderAndTotalAreNotClasses() {
        assertEquals(4, Footprint.parse(BEFORE).size());
    }
}
