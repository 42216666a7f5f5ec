package io.pulsarws.websocket.jetty12;

import io.pulsarws.websocket.transport.WebSocket;
import io.pulsarws.websocket.transport.WebSocketEndpoint;
import io.pulsarws.websocket.transport.WebSocketHandler;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Frame;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.BadPayloadException;
import org.eclipse.jetty.websocket.api.exceptions.MessageTooLargeException;
import org.eclipse.jetty.websocket.api.exceptions.ProtocolException;
import org.eclipse.jetty.websocket.api.exceptions.WebSocketTimeoutException;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty 12 WebSocket connection adapted to the seam. Frames come raw and in pieces (auto-fragmented), one at a
 * time on demand: the next is demanded at the end of each unless the handler says stop, and then once it resumes.
 * With raw frames Jetty answers no ping itself, so this does; a close frame is answered by Jetty once its callback
 * succeeds. Text frames go out through Jetty's core session so that frames queued together are batched into one
 * socket write, as Jetty 9.4's batch mode did. Public because Jetty binds the listener's methods through method
 * handles.
 */
public final class JettySocket implements Session.Listener, WebSocket {
    private static final Logger LOG = LoggerFactory.getLogger(JettySocket.class);

    private final WebSocketEndpoint.Upgrade upgrade;
    /** Written once at open. */
    private volatile WebSocketHandler handler;

    private volatile Session session;
    private volatile CoreSession core;

    /** Guarded by {@code this}: a frame is being handed to the handler (its demand is decided after). */
    private boolean inFrame;
    /** Guarded by {@code this}: the handler said stop and has not resumed; no demand is pending. */
    private boolean stopped;
    /** Guarded by {@code this}: a resume that came while its frame was still being handled. */
    private boolean resumeEarly;

    JettySocket(WebSocketEndpoint.Upgrade upgrade) {
        this.upgrade = upgrade;
    }

    @Override
    public void onWebSocketOpen(Session s) {
        session = s;
        core = s instanceof WebSocketSession w ? w.getCoreSession() : null;
        // an idle connection is closed by the handler, with its reason, not by Jetty with its own
        s.addIdleTimeoutListener(timeout -> {
            WebSocketHandler h = handler;
            if (h == null) {
                return true; // Jetty closes it
            }
            h.failed(WebSocketHandler.Failure.IDLE_TIMEOUT, timeout); // closes with the handler's reason
            return false;
        });
        WebSocketHandler h = upgrade.accept();
        handler = h;
        h.open(this);
        s.demand(); // the first frame
    }

    @Override
    public void onWebSocketFrame(Frame frame, Callback callback) {
        boolean readOn = true;
        synchronized (this) {
            inFrame = true;
        }
        try {
            switch (frame.getOpCode()) {
                case OpCode.TEXT, OpCode.CONTINUATION -> readOn = handler.text(frame.getPayload(), frame.isFin());
                case OpCode.BINARY -> handler.binary();
                case OpCode.PING -> pong(frame.getPayload());
                default -> {
                    // pong: nothing to do; close: Jetty answers it once the callback succeeds
                }
            }
        } finally {
            callback.succeed();
        }
        boolean demand;
        synchronized (this) {
            inFrame = false;
            if (readOn || resumeEarly) {
                resumeEarly = false;
                demand = true;
            } else {
                stopped = true;
                demand = false;
            }
        }
        if (demand) {
            session.demand();
        }
    }

    private void pong(ByteBuffer ping) {
        ByteBuffer copy =
                ByteBuffer.allocate(ping.remaining()).put(ping.slice()).flip(); // valid after the callback
        session.sendPong(copy, Callback.NOOP);
    }

    @Override
    public void resumeReading() {
        synchronized (this) {
            if (inFrame) {
                resumeEarly = true; // the handler said stop and resumes before this frame's end decided
                return;
            }
            if (!stopped) {
                return;
            }
            stopped = false;
        }
        try {
            session.demand();
        } catch (RuntimeException e) {
            LOG.debug("Resuming reads failed (closed meanwhile): {}", e.toString());
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        try {
            WebSocketHandler h = handler;
            if (h != null) {
                h.closed(statusCode, reason);
            } else {
                upgrade.abandon(); // closed before it opened: nothing else gives back what the handshake took
            }
        } finally {
            callback.succeed();
        }
    }

    /** Jetty has sent its close frame already; the handler is told why. */
    @Override
    public void onWebSocketError(Throwable cause) {
        WebSocketHandler h = handler;
        if (h == null) {
            upgrade.abandon(); // failed before it opened
            return;
        }
        WebSocketHandler.Failure failure;
        if (cause instanceof WebSocketTimeoutException) {
            failure = WebSocketHandler.Failure.IDLE_TIMEOUT;
        } else if (cause instanceof BadPayloadException) {
            failure = WebSocketHandler.Failure.BAD_PAYLOAD;
        } else if (cause instanceof MessageTooLargeException) {
            failure = WebSocketHandler.Failure.TOO_LARGE;
        } else if (cause instanceof ProtocolException) {
            failure = WebSocketHandler.Failure.PROTOCOL;
        } else {
            failure = WebSocketHandler.Failure.OTHER;
        }
        h.failed(failure, cause);
    }

    @Override
    public boolean isOpen() {
        Session s = session;
        return s != null && s.isOpen();
    }

    @Override
    public String remoteAddress() {
        Session s = session;
        return s == null ? "a socket not yet open" : String.valueOf(s.getRemoteSocketAddress());
    }

    @Override
    public void idleTimeout(long millis) {
        session.setIdleTimeout(Duration.ofMillis(millis));
    }

    @Override
    public long idleTimeout() {
        return session.getIdleTimeout().toMillis();
    }

    /**
     * Frames sent with {@code more} are batched by Jetty's core session (those under a quarter of its 4 KiB output buffer)
     * until one without it is written with them in one gathering write.
     */
    @Override
    public void sendText(String text, boolean more, Written written) {
        CoreSession c = core;
        if (c == null) {
            session.sendText(text, Callback.from(() -> written.done(null), written::done));
            return;
        }
        c.sendFrame(
                new org.eclipse.jetty.websocket.core.Frame(OpCode.TEXT, text),
                org.eclipse.jetty.util.Callback.from(() -> written.done(null), written::done),
                more);
    }

    @Override
    public void ping(ByteBuffer payload) {
        Session s = session;
        if (s != null) {
            s.sendPing(payload, Callback.NOOP);
        }
    }

    /** Also reads on, if reading was stopped: Jetty needs the client's close frame read to finish the close. */
    @Override
    public void close(int code, String reason) {
        Session s = session;
        if (s != null) {
            s.close(code, reason, Callback.NOOP);
            resumeReading();
        }
    }

    @Override
    public void disconnect() {
        Session s = session;
        if (s != null) {
            s.disconnect();
        }
    }
}
