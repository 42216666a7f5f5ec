package io.pulsarws.websocket.internal;

import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.BatchMode;
import org.eclipse.jetty.websocket.api.RemoteEndpoint;
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

    /** Frames ({@code String}) and a {@link Closing}, waiting for the writer. */
    private final Queue<Object> outbox = new ConcurrentLinkedQueue<>();
    /** True while a drain is scheduled or running. */
    private final AtomicBoolean draining = new AtomicBoolean();

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

    /**
     * Queues a frame; a writer thread writes what is queued. Frames queued together go out in one socket write:
     * all but the last are batched in Jetty's aggregate buffer, and the last flushes it.
     */
    @Override
    public void send(String text) {
        outbox.add(text);
        scheduleDrain();
    }

    /** Closes after the frames queued so far. */
    @Override
    public void close(int code, String reason) {
        outbox.add(new Closing(code, reason));
        scheduleDrain();
    }

    private void scheduleDrain() {
        if (draining.compareAndSet(false, true)) {
            keepAlive.write(this::drain);
        }
    }

    /** Writes the queued frames in order; one drain runs at a time, so only it sets the endpoint's batch mode. */
    private void drain() {
        while (true) {
            Object next = outbox.poll();
            if (next == null) {
                draining.set(false);
                if (outbox.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                continue; // queued between the poll and the reset, and no other drain took it
            }
            Session s = socket;
            if (next instanceof Closing c) {
                if (s != null) {
                    s.close(c.code(), c.reason());
                }
            } else if (s != null && s.isOpen()) {
                RemoteEndpoint remote = s.getRemote();
                remote.setBatchMode(outbox.peek() instanceof String ? BatchMode.ON : BatchMode.OFF);
                remote.sendString((String) next, writeFailureLogger);
            }
        }
    }

    /** A close queued behind the frames before it. */
    private record Closing(int code, String reason) {}
}
