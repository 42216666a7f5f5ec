package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.TraceParent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.junit.jupiter.api.Test;

/**
 * Issue 26: a producer continues the W3C trace its client sent (the frame's {@code traceparent} property, else the
 * handshake's header) with a span of the gateway's own, passes {@code tracestate} on, and adds nothing without one.
 */
class TraceContextTest {
    private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final String OTHER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

    /** The properties each message was given (null: none were set). */
    private final List<Map<String, String>> sent = new ArrayList<>();

    @SuppressWarnings("unchecked")
    private ProducerSession session() {
        Producer<byte[]> producer = Fakes.of(
                Producer.class,
                Map.of(
                        "newMessage",
                        a -> {
                            Map<String, String>[] properties = new Map[1];
                            TypedMessageBuilder<byte[]>[] b = new TypedMessageBuilder[1];
                            b[0] = Fakes.of(
                                    TypedMessageBuilder.class,
                                    Map.of(
                                            "value",
                                            v -> b[0],
                                            "properties",
                                            v -> {
                                                properties[0] = Map.copyOf((Map<String, String>) v[0]);
                                                return b[0];
                                            },
                                            "sendAsync",
                                            v -> {
                                                sent.add(properties[0]);
                                                return CompletableFuture.completedFuture(MessageId.earliest);
                                            }));
                            return b[0];
                        },
                        "closeAsync",
                        a -> CompletableFuture.completedFuture(null)));
        ProducerSession s = Fakes.producerSession(Fakes.context(), producer);
        s.start(new Fakes.Sink());
        return s;
    }

    @Test
    void aFramesTraceparentIsContinuedByTheGatewaysSpan() {
        ProducerSession s = session();
        s.onText("{\"payload\":\"aGk=\",\"properties\":{\"traceparent\":\"" + PARENT
                + "\",\"tracestate\":\"congo=t61rcWkgMzE\",\"app\":\"x\"}}");
        Map<String, String> p = sent.get(0);
        String child = p.get("traceparent");
        assertTrue(TraceParent.valid(child), child);
        assertEquals(TraceParent.traceId(PARENT), TraceParent.traceId(child), "the same trace");
        assertNotEquals(TraceParent.spanId(PARENT), TraceParent.spanId(child), "the gateway's span, not the client's");
        assertEquals("01", child.substring(53), "the flags kept");
        assertEquals("congo=t61rcWkgMzE", p.get("tracestate"));
        assertEquals("x", p.get("app"));
        s.onText("{\"payload\":\"aGk=\",\"properties\":{\"traceparent\":\"" + PARENT + "\"}}");
        assertNotEquals(child, sent.get(1).get("traceparent"), "a span per message");
    }

    @Test
    void theHandshakesTraceIsContinuedWhereAFrameNamesNone() {
        ProducerSession s = session();
        s.continueTrace(PARENT, "rojo=00f067aa0ba902b7");
        s.onText("{\"payload\":\"aGk=\"}");
        s.onText("{\"payload\":\"aGk=\",\"properties\":{\"traceparent\":\"" + OTHER + "\"}}");
        assertEquals(
                TraceParent.traceId(PARENT), TraceParent.traceId(sent.get(0).get("traceparent")));
        assertEquals("rojo=00f067aa0ba902b7", sent.get(0).get("tracestate"));
        assertEquals(
                TraceParent.traceId(OTHER),
                TraceParent.traceId(sent.get(1).get("traceparent")),
                "the frame's own trace wins");
        assertNull(sent.get(1).get("tracestate"), "the handshake's tracestate belongs to the handshake's trace");
    }

    @Test
    void withoutAValidTraceNothingIsAdded() {
        ProducerSession s = session();
        s.continueTrace("00-not-a-trace", "a=b");
        s.onText("{\"payload\":\"aGk=\"}");
        s.onText("{\"payload\":\"aGk=\",\"properties\":{\"traceparent\":\"not-one-either\"}}");
        assertNull(sent.get(0), "no properties at all");
        assertEquals(Map.of("traceparent", "not-one-either"), sent.get(1), "the application's property, as sent");
    }
}
