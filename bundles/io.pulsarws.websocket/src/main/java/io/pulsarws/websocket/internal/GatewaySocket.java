package io.pulsarws.websocket.internal;

import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.api.WebSocketListener;
import org.eclipse.jetty.websocket.api.WriteCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One WebSocket connection: moves text frames between Jetty and its gateway session. */
final class GatewaySocket implements WebSocketListener, FrameSink {
    private static final Logger LOG = LoggerFactory.getLogger(GatewaySocket.class);

    private static final ByteBuffer PING = ByteBuffer.wrap("PING".getBytes(StandardCharsets.US_ASCII));

    private final GatewaySession session;
    private final WebSocketSettings settings;
    private final KeepAlive keepAlive;
    /** Written once by Jetty's connect callback, read by Pulsar callback threads. */
    private volatile Session socket;
    /** The keep-alive task, if pings are configured; cancelled when the socket closes. */
    private volatile ScheduledFuture<?> pinger;

    private final WriteCallback writeFailureLogger = new WriteCallback() {
        @Override
        public void writeFailed(Throwable x) {
            LOG.debug("Write to {} failed: {}", socket, x.toString());
        }

        @Override
        public void writeSuccess() {
            // nothing to do
        }
    };

    /** Runs once when the socket is gone (releases the session's place in the limits). */
    private final Runnable onClosed;
    /** When the client's token expires, or null. */
    private final Instant expiresAt;
    /** Ends the session when the token expires; cancelled when the socket closes. */
    private volatile ScheduledFuture<?> expiry;

    GatewaySocket(GatewaySession session, WebSocketSettings settings, KeepAlive keepAlive, Runnable onClosed,
            Instant expiresAt) {
        this.session = session;
        this.settings = settings;
        this.keepAlive = keepAlive;
        this.onClosed = onClosed;
        this.expiresAt = expiresAt;
    }

    @Override
    public void onWebSocketConnect(Session s) {
        s.getPolicy().setMaxTextMessageSize(settings.maxTextFrameSize());
        s.setIdleTimeout(settings.idleTimeoutMillis());
        socket = s;
        int ping = settings.pingIntervalSeconds();
        if (ping > 0) {
            pinger = keepAlive.every(ping, this::ping);
        }
        if (expiresAt != null) {
            // Pulsar keeps serving a session whose token has expired; this one ends when its token does
            expiry = keepAlive.after(Duration.between(Instant.now(), expiresAt).toMillis(), () -> close(
                    WebSocketError.AUTHENTICATION_ERROR.closeCode(), "Authentication expired"));
        }
        session.start(this);
    }

    private void ping() {
        Session s = socket;
        if (s != null && s.isOpen()) {
            try {
                s.getRemote().sendPing(PING.duplicate());
            } catch (IOException e) {
                LOG.debug("Ping to {} failed: {}", s, e.toString());
            }
        }
    }

    /** The socket is gone: stop its timers, release the Pulsar side and the session's place. */
    private void ended() {
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {pinger, expiry}) {
            if (f != null) {
                f.cancel(false);
            }
        }
        session.close();
        onClosed.run();
    }

    @Override
    public void onWebSocketText(String text) {
        session.onText(text);
    }

    @Override
    public void onWebSocketBinary(byte[] payload, int offset, int len) {
        close(StatusCode.BAD_DATA, "binary frames are not supported: send JSON text frames");
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        ended();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.debug("WebSocket error on {}: {}", socket, cause.toString());
        ended();
    }

    @Override
    public void send(String text) {
        Session s = socket;
        if (s != null && s.isOpen()) {
            s.getRemote().sendString(text, writeFailureLogger);
        }
    }

    @Override
    public void close(int code, String reason) {
        Session s = socket;
        if (s != null) {
            s.close(code, reason);
        }
    }
}
