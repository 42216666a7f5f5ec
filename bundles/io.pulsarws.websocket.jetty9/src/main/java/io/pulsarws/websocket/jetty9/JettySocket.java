package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.WebSocket;
import io.pulsarws.websocket.transport.WebSocketHandler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.websocket.api.BadPayloadException;
import org.eclipse.jetty.websocket.api.BatchMode;
import org.eclipse.jetty.websocket.api.CloseException;
import org.eclipse.jetty.websocket.api.MessageTooLargeException;
import org.eclipse.jetty.websocket.api.ProtocolException;
import org.eclipse.jetty.websocket.api.RemoteEndpoint;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.SuspendToken;
import org.eclipse.jetty.websocket.api.WebSocketConnectionListener;
import org.eclipse.jetty.websocket.api.WebSocketFrameListener;
import org.eclipse.jetty.websocket.api.WriteCallback;
import org.eclipse.jetty.websocket.api.extensions.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty 9.4 WebSocket connection adapted to the seam: raw frames in (Jetty makes no text of them), text frames out
 * with Jetty's batch mode, reading stopped with Jetty's suspend at the end of a frame.
 */
final class JettySocket implements WebSocketConnectionListener, WebSocketFrameListener, WebSocket {
    private static final Logger LOG = LoggerFactory.getLogger(JettySocket.class);

    private final WebSocketHandler handler;
    private final int maxTextMessageBytes;
    /** Written once by Jetty's connect callback. */
    private volatile Session session;

    /** Guarded by {@code this}: Jetty's token while reading is suspended. */
    private SuspendToken suspended;
    /** Guarded by {@code this}: a resume that came before the suspend it undoes. */
    private boolean resumeEarly;

    JettySocket(WebSocketHandler handler, int maxTextMessageBytes) {
        this.handler = handler;
        this.maxTextMessageBytes = maxTextMessageBytes;
    }

    @Override
    public void onWebSocketConnect(Session s) {
        // a single frame over it is refused by Jetty's parser (before its bytes are buffered); larger messages in
        // several frames are the handler's to refuse
        s.getPolicy().setMaxTextMessageSize(maxTextMessageBytes);
        session = s;
        handler.open(this);
    }

    @Override
    public void onWebSocketFrame(Frame frame) {
        switch (frame.getType()) {
            case TEXT, CONTINUATION -> {
                if (!handler.text(frame.getPayload(), frame.isFin())) {
                    suspend();
                }
            }
            case BINARY -> handler.binary();
            default -> {
                // ping, pong and close: Jetty answers them
            }
        }
    }

    /** On Jetty's reading thread, at the end of a frame: Jetty reads no further frame until resumed. */
    private void suspend() {
        Session s = session;
        synchronized (this) {
            if (resumeEarly) {
                resumeEarly = false;
                return;
            }
            if (suspended != null || s == null || !s.isOpen()) {
                return;
            }
            try {
                suspended = s.suspend();
            } catch (RuntimeException e) {
                LOG.debug("Suspending reads failed (closed meanwhile): {}", e.toString());
            }
        }
    }

    @Override
    public void resumeReading() {
        SuspendToken token;
        synchronized (this) {
            if (suspended == null) {
                resumeEarly = true; // the handler said stop, and resumes before this thread suspended
                return;
            }
            token = suspended;
            suspended = null;
        }
        token.resume();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        handler.closed(statusCode, reason);
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        Throwable root = cause instanceof CloseException && cause.getCause() != null ? cause.getCause() : cause;
        WebSocketHandler.Failure failure;
        if (root instanceof TimeoutException) {
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
        handler.failed(failure, cause);
    }

    @Override
    public boolean isOpen() {
        Session s = session;
        return s != null && s.isOpen();
    }

    @Override
    public String remoteAddress() {
        Session s = session;
        return s == null ? "a socket not yet open" : String.valueOf(s.getRemoteAddress());
    }

    @Override
    public void idleTimeout(long millis) {
        session.setIdleTimeout(millis);
    }

    @Override
    public long idleTimeout() {
        return session.getIdleTimeout();
    }

    /** Frames sent with {@code more} stay in Jetty's aggregate buffer until one without it flushes them. */
    @Override
    public void sendText(String text, boolean more, Written written) {
        RemoteEndpoint remote = session.getRemote();
        remote.setBatchMode(more ? BatchMode.ON : BatchMode.OFF);
        remote.sendString(text, new WriteCallback() {
            @Override
            public void writeFailed(Throwable x) {
                written.done(x);
            }

            @Override
            public void writeSuccess() {
                written.done(null);
            }
        });
    }

    @Override
    public void ping(ByteBuffer payload) {
        try {
            session.getRemote().sendPing(payload);
        } catch (IOException | RuntimeException e) {
            LOG.debug("Ping to {} failed: {}", remoteAddress(), e.toString());
        }
    }

    @Override
    public void close(int code, String reason) {
        Session s = session;
        if (s != null) {
            s.close(code, reason);
        }
    }

    @Override
    public void disconnect() {
        try {
            session.disconnect();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Dropping {} failed: {}", remoteAddress(), e.toString());
        }
    }
}
