package io.pulsarws.websocket.internal.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadGateTest {
    /** Both transports throw or misbehave on a resume without a stop; this counts the resumes. */
    private final AtomicInteger resumes = new AtomicInteger();

    @Test
    void aPauseTakesEffectAtTheEndOfAFrameAndLastsWhileAnyReasonHolds() {
        ReadGate gate = new ReadGate(resumes::incrementAndGet);
        assertTrue(gate.endOfFrame(), "no reason, read on");
        assertFalse(gate.suspended(), "no reason, no stop");
        gate.pause(ReadGate.SESSION);
        assertFalse(gate.suspended(), "not before the frame ends");
        assertFalse(gate.endOfFrame(), "stops at the end of the frame");
        gate.pause(ReadGate.OUTBOUND);
        assertTrue(gate.suspended());
        gate.resume(ReadGate.SESSION);
        assertTrue(gate.suspended(), "the outbound reason still holds");
        assertEquals(0, resumes.get());
        gate.resume(ReadGate.OUTBOUND);
        gate.resume(ReadGate.OUTBOUND); // harmless
        assertEquals(1, resumes.get(), "resumed once");
        assertFalse(gate.suspended());
    }

    @Test
    void aResumeBeforeTheEndOfTheFrameCancelsThePause() {
        ReadGate gate = new ReadGate(resumes::incrementAndGet);
        gate.pause(ReadGate.SESSION);
        gate.resume(ReadGate.SESSION); // e.g. a send that completed at once
        assertTrue(gate.endOfFrame());
        assertEquals(0, resumes.get(), "nothing was stopped, nothing to resume");
    }
}
