package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A drained connection's close reason: the reader's last id when it fits the 123 bytes of a close reason. */
class DrainableTest {
    @Test
    void theReasonNamesTheLastIdOnlyWhenItFits() {
        assertEquals(Drainable.REASON, Drainable.reason(null));
        assertEquals("Node draining: reconnect with messageId=CAMQADAA", Drainable.reason("CAMQADAA"));
        String fits = "A".repeat(123 - Drainable.RESUME_REASON.length());
        assertEquals(Drainable.RESUME_REASON + fits, Drainable.reason(fits));
        assertEquals(Drainable.REASON, Drainable.reason(fits + "A"), "one byte over: without the id");
    }
}
