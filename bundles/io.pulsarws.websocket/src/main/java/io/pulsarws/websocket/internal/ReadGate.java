package io.pulsarws.websocket.internal;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.SuspendToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a connection's frames are read, for one or more reasons at once. A pause takes effect at the end of the
 * frame being read ({@link #endOfFrame}, on Jetty's reading thread: Jetty's suspend then stops before the next
 * frame); reading resumes once no reason is left. Jetty throws on a second suspend or resume, so this class calls
 * each exactly once per pause. Thread-safe.
 */
final class ReadGate {
    private static final Logger LOG = LoggerFactory.getLogger(ReadGate.class);
    /** The session asked (a producer at its pending bound, or waiting for producer memory). */
    static final int SESSION = 1;
    /** Too much is queued for the client. */
    static final int OUTBOUND = 2;

    /** Guarded by {@code this}: why reading is paused (0: it is not). */
    private int reasons;
    /** Guarded by {@code this}: Jetty's token while reading is suspended, else null. */
    private SuspendToken suspended;

    /** Asks for a pause; it takes effect at the end of the frame being read, or of the next one. */
    synchronized void pause(int reason) {
        reasons |= reason;
    }

    /** Drops one reason; reading resumes (on a Jetty thread) if none is left. */
    void resume(int reason) {
        SuspendToken token;
        synchronized (this) {
            reasons &= ~reason;
            if (reasons != 0 || suspended == null) {
                return;
            }
            token = suspended;
            suspended = null;
        }
        try {
            token.resume();
        } catch (RuntimeException e) {
            LOG.debug("Resuming reads failed (closed meanwhile): {}", e.toString());
        }
    }

    /** At the end of each frame, on Jetty's reading thread: suspends reading if a pause was asked for. */
    synchronized void endOfFrame(Session s) {
        if (reasons != 0 && suspended == null && s != null && s.isOpen()) {
            try {
                suspended = s.suspend();
            } catch (RuntimeException e) {
                LOG.debug("Suspending reads failed (closed meanwhile): {}", e.toString());
            }
        }
    }

    /** @return true while reading is suspended */
    synchronized boolean suspended() {
        return suspended != null;
    }
}
