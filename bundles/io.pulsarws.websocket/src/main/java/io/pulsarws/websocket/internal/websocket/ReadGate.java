package io.pulsarws.websocket.internal.websocket;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a connection's frames are read, for one or more reasons at once. A pause takes effect at the end of the
 * frame being read ({@link #endOfFrame}, on the transport's reading thread, which then reads no further); reading
 * resumes once no reason is left, through the transport's resume, called exactly once per stop. Thread-safe.
 */
final class ReadGate {
    private static final Logger LOG = LoggerFactory.getLogger(ReadGate.class);
    /** The session asked (a producer at its pending bound, or waiting for producer memory). */
    static final int SESSION = 1;
    /** Too much is queued for the client. */
    static final int OUTBOUND = 2;

    /** Resumes the transport's reading after {@link #endOfFrame} stopped it. */
    private final Runnable resumeReading;
    /** Guarded by {@code this}: why reading is paused (0: it is not). */
    private int reasons;
    /** Guarded by {@code this}: true while the transport reads no frames because of this gate. */
    private boolean stopped;

    ReadGate(Runnable resumeReading) {
        this.resumeReading = resumeReading;
    }

    /** Asks for a pause; it takes effect at the end of the frame being read, or of the next one. */
    synchronized void pause(int reason) {
        reasons |= reason;
    }

    /** Drops one reason; reading resumes if none is left. */
    void resume(int reason) {
        synchronized (this) {
            reasons &= ~reason;
            if (reasons != 0 || !stopped) {
                return;
            }
            stopped = false;
        }
        try {
            resumeReading.run();
        } catch (RuntimeException e) {
            LOG.debug("Resuming reads failed (closed meanwhile): {}", e.toString());
        }
    }

    /**
     * At the end of each frame, on the transport's reading thread.
     *
     * @return true to read on; false when a pause was asked for: the transport stops until resumed
     */
    synchronized boolean endOfFrame() {
        if (reasons != 0) {
            stopped = true;
            return false;
        }
        return true;
    }

    /** @return true while reading is stopped */
    synchronized boolean suspended() {
        return stopped;
    }
}
