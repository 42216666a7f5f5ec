package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The W3C traceparent the gateway continues, and the child it writes. */
class TraceParentTest {
    private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void theRecommendationsExampleIsValidAndItsVariantsAreNot() {
        assertTrue(TraceParent.valid(PARENT));
        assertFalse(TraceParent.valid(null));
        assertFalse(TraceParent.valid(""));
        assertFalse(TraceParent.valid(PARENT.toUpperCase()), "uppercase hex");
        assertFalse(TraceParent.valid(PARENT + "-extra"), "version 00 has exactly 55 characters");
        assertFalse(TraceParent.valid(PARENT.substring(0, 54)));
        assertFalse(TraceParent.valid("00-00000000000000000000000000000000-b7ad6b7169203331-01"), "zero trace id");
        assertFalse(TraceParent.valid("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"), "zero parent id");
        assertFalse(TraceParent.valid("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), "version ff");
        assertFalse(TraceParent.valid("00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        assertFalse(TraceParent.valid("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01"), "not hex");
        assertTrue(
                TraceParent.valid("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-later"),
                "a later " + "version with more fields");
        assertFalse(TraceParent.valid("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x"));
    }

    @Test
    void theChildKeepsTheTraceAndFlagsWithTheGatewaysSpan() {
        String child = TraceParent.child(PARENT, 0x0123456789abcdefL);
        assertEquals("00-0af7651916cd43dd8448eb211c80319c-0123456789abcdef-01", child);
        assertTrue(TraceParent.valid(child));
        assertEquals(TraceParent.traceId(PARENT), TraceParent.traceId(child));
        assertEquals("0123456789abcdef", TraceParent.spanId(child));
        assertEquals("0000000000000001", TraceParent.spanId(TraceParent.child(PARENT, 0)), "never an all-zero id");
        assertEquals(
                "00-0af7651916cd43dd8448eb211c80319c-ffffffffffffffff-00",
                TraceParent.child("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-later", -1L),
                "a later version is continued as version 00");
    }

    @Test
    void aTracestateIsPassedOnOnlyWhenPrintableAndBounded() {
        assertTrue(TraceParent.validState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
        assertFalse(TraceParent.validState(""));
        assertFalse(TraceParent.validState(null));
        assertFalse(TraceParent.validState("a=b\r\nX-Injected: 1"));
        assertFalse(TraceParent.validState("x".repeat(TraceParent.MAX_TRACESTATE + 1)));
        assertTrue(TraceParent.validState("x".repeat(TraceParent.MAX_TRACESTATE)));
    }
}
