package io.pulsarws.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.SuspendToken;
import org.junit.jupiter.api.Test;

class ReadGateTest {
    /** Jetty's suspend and resume each throw when called twice; this fake counts them and does the same. */
    private final AtomicInteger suspends = new AtomicInteger();

    private final AtomicInteger resumes = new AtomicInteger();

    private Session session() {
        return (Session) Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Session.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isOpen" -> true;
                    case "suspend" -> {
                        if (suspends.get() > resumes.get()) {
                            throw new IllegalStateException("suspended twice");
                        }
                        suspends.incrementAndGet();
                        yield (SuspendToken) () -> {
                            if (resumes.get() >= suspends.get()) {
                                throw new IllegalStateException("resumed twice");
                            }
                            resumes.incrementAndGet();
                        };
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aPauseTakesEffectAtTheEndOfAFrameAndLastsWhileAnyReasonHolds() {
        ReadGate gate = new ReadGate();
        Session s = session();
        gate.endOfFrame(s);
        assertFalse(gate.suspended(), "no reason, no suspend");
        gate.pause(ReadGate.SESSION);
        assertFalse(gate.suspended(), "not before the frame ends");
        gate.endOfFrame(s);
        gate.pause(ReadGate.OUTBOUND);
        gate.endOfFrame(s); // frames Jetty parsed before the suspend took effect
        assertEquals(1, suspends.get(), "suspended once");
        gate.resume(ReadGate.SESSION);
        assertTrue(gate.suspended(), "the outbound reason still holds");
        gate.resume(ReadGate.OUTBOUND);
        gate.resume(ReadGate.OUTBOUND); // harmless
        assertEquals(1, resumes.get(), "resumed once");
        assertFalse(gate.suspended());
    }

    @Test
    void aResumeBeforeTheEndOfTheFrameCancelsThePause() {
        ReadGate gate = new ReadGate();
        gate.pause(ReadGate.SESSION);
        gate.resume(ReadGate.SESSION); // e.g. a send that completed at once
        gate.endOfFrame(session());
        assertEquals(0, suspends.get());
    }
}
