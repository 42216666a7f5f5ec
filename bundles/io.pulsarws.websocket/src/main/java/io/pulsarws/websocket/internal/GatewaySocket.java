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
import org.eclipse.jetty.websocket.api.WebSocketPartialListener;
import org.eclipse.jetty.websocket.api.WriteCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One WebSocket connection: moves text frames between Jetty and its gateway session. */
final class GatewaySocket implements WebSocketPartialListener, FrameSink {
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

    /** The fragments of a text message so far (only for a client that fragments), read and written by Jetty's
     *  reading of this connection, one frame at a time. */
    private StringBuilder fragments;
    private long fragmentBytes;
    /** Set once a message is refused (too large, binary): the rest of the input is ignored while the socket closes. */
    private boolean refused;
    /** The limit of a text message, in bytes, as set on the connection. */
    private volatile int maxMessageBytes = Integer.MAX_VALUE;

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
        maxMessageBytes = settings.maxTextFrameSize();
        s.getPolicy().setMaxTextMessageSize(maxMessageBytes);
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

    /**
     * A text frame, decoded by Jetty into a buffer it reuses. An unfragmented message (the usual case) goes to the
     * session as it is; fragments are joined here, within the same size limit as a single frame.
     */
    @Override
    public void onWebSocketPartialText(String payload, boolean fin) {
        if (refused) {
            return; // the socket is closing
        }
        if (fin && fragments == null) {
            session.onText(payload);
            return;
        }
        if (fragments == null) {
            fragments = new StringBuilder();
            fragmentBytes = 0;
        }
        fragmentBytes += utf8Length(payload);
        if (fragmentBytes > maxMessageBytes) {
            refused = true;
            fragments = null;
            close(StatusCode.MESSAGE_TOO_LARGE, "Text message size [" + fragmentBytes + "] exceeds maximum size ["
                    + maxMessageBytes + "]");
            return;
        }
        fragments.append(payload);
        if (fin) {
            String text = fragments.toString();
            fragments = null;
            session.onText(text);
        }
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean fin) {
        if (!refused) {
            refused = true;
            close(StatusCode.BAD_DATA, "binary frames are not supported: send JSON text frames");
        }
    }

    /** The UTF-8 length of a string (Jetty limits messages in bytes). */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
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
