package io.pulsarws.websocket.internal.websocket;

import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.websocket.internal.edge.Drainable;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.Outbound;
import io.pulsarws.websocket.internal.edge.Receiving;
import io.pulsarws.websocket.internal.edge.TextFragments;
import io.pulsarws.websocket.internal.edge.Utf8;
import io.pulsarws.websocket.internal.edge.WebSocketSettings;
import io.pulsarws.websocket.transport.WebSocket;
import io.pulsarws.websocket.transport.WebSocketHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection: moves text frames between the transport and its gateway session, with flow control both
 * ways. Nothing here depends on the container: the transport hands over raw frames and writes what it is given.
 *
 * <p>Outbound, every frame queued for the client counts against its budget ({@code maxQueuedBytesPerSession}) and
 * the node's ({@code maxQueuedBytes}) until the transport has written it. Over budget the socket is <em>congested</em>: the
 * session gets {@code writable() == false} and starts no new deliveries, and the client's frames are no longer read;
 * once half of it is written the session is told ({@code onWritable}) and reading resumes. A client that stays
 * congested for {@code slowClientTimeoutMillis} is closed with 1008 (and dropped if even that cannot be written).
 *
 * <p>Inbound, reading stops at the end of a frame ({@link ReadGate}), when the session asks (a producer at its
 * pending bound) or when congested, and resumed when neither holds any more.
 */
final class GatewaySocket implements WebSocketHandler, FrameSink, Outbound.Client, Drainable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewaySocket.class);
    /** How long a close frame to a client that does not read may take before the connection is dropped. */
    /** Close codes (RFC 6455, 7.4.1). */
    static final int GOING_AWAY = 1001;

    static final int PROTOCOL_ERROR = 1002;
    static final int UNSUPPORTED_DATA = 1003;
    static final int INVALID_PAYLOAD = 1007;
    static final int POLICY_VIOLATION = 1008;
    static final int MESSAGE_TOO_BIG = 1009;
    static final int INTERNAL_ERROR = 1011;
    static final int TRY_AGAIN_LATER = 1013;

    private static final ByteBuffer PING = ByteBuffer.wrap("PING".getBytes(StandardCharsets.US_ASCII));

    private final GatewaySession session;
    private final WebSocketSettings settings;
    private final KeepAlive keepAlive;
    /** Written once by the transport's open, read by Pulsar callback threads. */
    private volatile WebSocket socket;
    /** The keep-alive task, if pings are configured; cancelled when the socket closes. */
    private volatile ScheduledFuture<?> pinger;

    /** The node's outbound accounting, shared by every socket. */
    private final Outbound node;
    /** Bytes queued for this client: in the outbox, or handed to the transport and not yet written. */
    private final AtomicLong queued = new AtomicLong();
    /** The budgets, as configured when the socket opened. */
    private volatile long sessionBudget = Long.MAX_VALUE;

    private volatile long nodeBudget = Long.MAX_VALUE;
    private volatile long slowClientNanos = Long.MAX_VALUE;

    /** Whether the client's frames are read. */
    private final ReadGate reads = new ReadGate(this::resumeSocket);
    /** Guards the congestion state below. */
    private final Object gate = new Object();
    /** Over budget; read without the lock by {@link #writable}. */
    private volatile boolean congested;
    /** When the current congestion began ({@link System#nanoTime}). */
    private long congestedSince;
    /** Set once a slow client is being closed: queued frames are dropped from then on. */
    private volatile boolean closingSlow;

    /**
     * Joins a text message sent in several frames; used by the transport's reading of this connection only (and
     * discarded when the connection ends, from any thread).
     */
    private volatile TextFragments fragments = new TextFragments(Integer.MAX_VALUE);
    /** Set once a message is refused (too large, binary): the rest of the input is ignored while the socket closes. */
    private boolean refused;
    /** The limit of a text message, in bytes, as set on the connection. */
    private volatile int maxMessageBytes = Integer.MAX_VALUE;

    /** {@link Queued} frames and a {@link Closing}, waiting for the writer. */
    private final Queue<Object> outbox = new ConcurrentLinkedQueue<>();
    /** True while a drain is scheduled or running. */
    private final AtomicBoolean draining = new AtomicBoolean();

    /** Runs once when the socket is gone (releases the session's place in the limits). */
    private final Runnable onClosed;
    /** When the client's token expires, or null. */
    private final Instant expiresAt;
    /** Whom the bytes of a message being received are charged to ({@link Receiving}). */
    private final String owner;
    /** Ends the session when the token expires; cancelled when the socket closes. */
    private volatile ScheduledFuture<?> expiry;
    /** The token's expiry on the {@link System#nanoTime} clock; meaningful only when {@link #expiresAt} is set. */
    private volatile long expiryNanos;
    /** Set once the token has expired: nothing the client sends is acted on any more. */
    private volatile boolean expired;
    /** Set once a drain asked this connection to leave. */
    private final AtomicBoolean drainAsked = new AtomicBoolean();
    /** Set once the drain's close is queued (when the session owed nothing more, or its time was up). */
    private final AtomicBoolean drainClosing = new AtomicBoolean();

    GatewaySocket(
            GatewaySession session,
            WebSocketSettings settings,
            KeepAlive keepAlive,
            Runnable onClosed,
            Instant expiresAt,
            String owner) {
        this.session = session;
        this.settings = settings;
        this.keepAlive = keepAlive;
        this.node = keepAlive.outbound();
        this.onClosed = onClosed;
        this.expiresAt = expiresAt;
        this.owner = owner;
    }

    @Override
    public void open(WebSocket s) {
        sessionBudget = settings.maxQueuedBytesPerSession();
        nodeBudget = settings.maxQueuedBytes();
        slowClientNanos = TimeUnit.MILLISECONDS.toNanos(settings.slowClientTimeoutMillis());
        maxMessageBytes = settings.maxTextFrameSize();
        fragments = new TextFragments(
                maxMessageBytes,
                keepAlive
                        .receiving()
                        .account(owner, settings.maxReceivingBytesPerPrincipal(), settings.maxReceivingBytes()));
        s.idleTimeout(settings.idleTimeoutMillis());
        socket = s;
        int ping = settings.pingIntervalSeconds();
        if (ping > 0) {
            pinger = keepAlive.every(ping, this::ping);
        }
        if (expiresAt != null) {
            // Pulsar keeps serving a session whose token has expired; this one ends when its token does
            long millis = Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis());
            expiryNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            expiry = keepAlive.after(millis, this::expire);
        }
        keepAlive.connections().opened(this); // before the session can end it, which removes it
        session.start(this);
    }

    /**
     * The node drains: the session finishes what it owes (a producer is read no more and answers every send read;
     * a consumer delivers nothing new and waits for the acks of what it delivered), then the socket closes with 1001,
     * a reader's reason naming the last message id sent, to reconnect with {@code messageId=} and go on after it.
     * Closed regardless after {@code finishMillis}.
     */
    @Override
    public void drain(long finishMillis) {
        if (!drainAsked.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> late = keepAlive.after(finishMillis, () -> {
            if (drainClosing.get()) {
                return;
            }
            LOG.info(
                    "Drain: closing the {} from {} after {} ms, although it still owes its client answers or awaits"
                            + " acks",
                    session,
                    socket == null ? null : socket.remoteAddress(),
                    finishMillis);
            leave(null);
        });
        session.drain().whenComplete((hint, failure) -> {
            late.cancel(false);
            leave(failure == null ? hint : null);
        });
    }

    private void leave(String hint) {
        if (drainClosing.compareAndSet(false, true)) {
            close(GOING_AWAY, Drainable.reason(hint));
            dropLater();
        }
    }

    private void ping() {
        WebSocket s = socket;
        if (s != null && s.isOpen()) {
            s.ping(PING.duplicate());
        }
    }

    private void resumeSocket() {
        WebSocket s = socket;
        if (s != null) {
            s.resumeReading();
        }
    }

    /** The socket is gone: stop its timers, release the Pulsar side and the session's place. */
    private void ended() {
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {pinger, expiry}) {
            if (f != null) {
                f.cancel(false);
            }
        }
        node.relieved(this);
        fragments.discard(); // a message cut short gives its buffer back
        session.close();
        onClosed.run();
        keepAlive.connections().closed(this);
        scheduleDrain(); // whatever is still queued is dropped, and its bytes given back
    }

    /**
     * A text or continuation frame as the transport parsed it, before any decoding: no text is made of it (a
     * container's byte-by-byte UTF-8 decoding was the largest single cost of a produced message). A text message's
     * bytes are copied once, joined if they came in fragments (within the same size limit as a single frame), checked
     * to be UTF-8 and handed to the session, which parses them as they are. Control frames are the transport's to
     * answer; a continuation of a binary message finds the socket refused already.
     */
    @Override
    public boolean text(ByteBuffer payload, boolean fin) {
        try {
            onText(payload, fin);
        } catch (RuntimeException e) {
            reads.endOfFrame();
            throw e;
        }
        return reads.endOfFrame();
    }

    @Override
    public void binary() {
        if (!refused) {
            refused = true;
            close(UNSUPPORTED_DATA, "binary frames are not supported: send JSON text frames");
        }
    }

    private void onText(ByteBuffer payload, boolean fin) {
        if (refused) {
            return; // the socket is closing
        }
        if (expired || expiresAt != null && System.nanoTime() - expiryNanos >= 0) {
            expire(); // read before the timer ran: from the expiry on, nothing the client sends is acted on
            return;
        }
        byte[] message;
        try {
            message = fragments.add(payload, fin);
        } catch (TextFragments.TooLargeException e) {
            refused = true;
            close(MESSAGE_TOO_BIG, tooLarge());
            return;
        } catch (TextFragments.OverBudgetException e) {
            refused = true;
            if (e.verdict() == Receiving.Verdict.OVER_PRINCIPAL) {
                close(
                        POLICY_VIOLATION,
                        "Too many bytes being received for this client (maxReceivingBytesPerPrincipal)");
            } else {
                close(TRY_AGAIN_LATER, "Too many bytes being received on this node (maxReceivingBytes); retry later");
            }
            return;
        }
        if (message == null) {
            return;
        }
        if (!Utf8.isValid(message, 0, message.length)) {
            refused = true;
            close(INVALID_PAYLOAD, "Text frame is not valid UTF-8");
            return;
        }
        session.onText(message, 0, message.length);
    }

    private String tooLarge() {
        return "Message larger than maxTextFrameSize (" + maxMessageBytes + " bytes)";
    }

    @Override
    public void closed(int statusCode, String reason) {
        keepAlive.counters().closed(statusCode);
        ended();
    }

    /**
     * The transport reports a protocol error (invalid UTF-8, a frame over its limit...) or a timeout here; the close
     * sent here says it in plain words, not in the container's exception messages, which name Java classes.
     */
    @Override
    public void failed(Failure failure, Throwable cause) {
        WebSocket s = socket;
        LOG.debug("WebSocket error on {}: {} {}", s == null ? null : s.remoteAddress(), failure, String.valueOf(cause));
        if (s != null && s.isOpen()) {
            switch (failure) {
                case IDLE_TIMEOUT -> s.close(GOING_AWAY, "Idle timeout: no traffic for " + s.idleTimeout() + " ms");
                case BAD_PAYLOAD -> s.close(INVALID_PAYLOAD, "Text frame is not valid UTF-8");
                case TOO_LARGE -> s.close(MESSAGE_TOO_BIG, tooLarge());
                case PROTOCOL -> s.close(PROTOCOL_ERROR, "WebSocket protocol error");
                // e.g. a frame declaring 2 GiB or more, which Jetty 9.4 misreads as a negative length
                default -> s.close(INTERNAL_ERROR, "Connection error");
            }
        }
        ended();
    }

    /**
     * Queues a frame; a writer thread writes what is queued. Frames queued together go out in one socket write:
     * all but the last are held back by the transport, and the last flushes them.
     */
    @Override
    public void send(String text) {
        long bytes = TextFragments.utf8Length(text);
        long q = queued.addAndGet(bytes);
        node.add(bytes);
        outbox.add(new Queued(text, bytes));
        if (!congested && over(q)) {
            congest();
        }
        scheduleDrain();
    }

    @Override
    public boolean writable() {
        return !congested;
    }

    @Override
    public void pauseReading() {
        reads.pause(ReadGate.SESSION);
    }

    @Override
    public void resumeReading() {
        reads.resume(ReadGate.SESSION);
    }

    /** @return true if {@code q} bytes queued for this client are over its budget, or its share of the node's */
    private boolean over(long q) {
        return node.over(q, sessionBudget, nodeBudget);
    }

    /** @return true once {@code q} bytes queued are low enough to take the client off the congested list */
    private boolean relieved(long q) {
        return node.relieved(q, sessionBudget, nodeBudget);
    }

    private void congest() {
        synchronized (gate) {
            if (congested || !over(queued.get())) {
                return;
            }
            congested = true;
            congestedSince = System.nanoTime();
            // with the flag, under the gate: a relief between the two would resume first and the pause stay forever
            reads.pause(ReadGate.OUTBOUND);
        }
        node.congested(this);
        LOG.debug("{} bytes queued for {}: paused", queued.get(), socket);
    }

    /** The transport wrote (or dropped) a frame of this many bytes. */
    private void written(long bytes) {
        long q = queued.addAndGet(-bytes);
        node.add(-bytes);
        if (!congested || !relieved(q)) {
            return;
        }
        synchronized (gate) {
            if (!congested || !relieved(queued.get())) {
                return;
            }
            congested = false;
        }
        node.relieved(this);
        reads.resume(ReadGate.OUTBOUND);
        keepAlive.write(session::onWritable); // never on the container's thread that completes the write
    }

    /**
     * Called every second while congested: a client that has not read for {@code slowClientTimeoutMillis} is
     * closed with 1008; what is still queued for it is dropped, and if the close frame cannot be written either,
     * the connection is dropped shortly after.
     */
    @Override
    public void checkStuck(long nowNanos) {
        synchronized (gate) {
            if (!congested || closingSlow || nowNanos - congestedSince < slowClientNanos) {
                return;
            }
            closingSlow = true;
        }
        keepAlive.counters().slowEnded();
        WebSocket s = socket;
        long seconds = TimeUnit.NANOSECONDS.toSeconds(slowClientNanos);
        LOG.warn(
                "Closing {}: its client has not read for {} s, {} bytes queued for it (slowClientTimeoutMillis)",
                s == null ? "a session" : s.remoteAddress(),
                seconds,
                queued.get());
        close(POLICY_VIOLATION, "Client too slow: it has not read for " + seconds + " s");
        dropLater();
    }

    /**
     * The token expired: nothing more the client sends is acted on, the session closes with 4005, and the
     * connection is dropped {@value Outbound#DROP_AFTER_CLOSE_MILLIS} ms later whether or not the client answers the close.
     */
    private void expire() {
        synchronized (gate) {
            if (expired) {
                return;
            }
            expired = true;
        }
        LOG.debug("Closing {}: its token expired", socket);
        close(WebSocketError.AUTHENTICATION_ERROR.closeCode(), "Authentication expired");
        dropLater();
    }

    /** Drops the connection {@value Outbound#DROP_AFTER_CLOSE_MILLIS} ms from now if it is still open (a close unanswered). */
    private void dropLater() {
        keepAlive.after(Outbound.DROP_AFTER_CLOSE_MILLIS, () -> {
            WebSocket open = socket;
            if (open != null) {
                open.disconnect(); // even if no longer "open": on Jetty 12 a session that sent its close is not
            }
        });
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

    /**
     * Writes the queued frames in order; one drain runs at a time.
     * Frames for a socket that is closed, or closing because its client is too slow, are dropped.
     */
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
            WebSocket s = socket;
            if (next instanceof Closing c) {
                if (s != null) {
                    s.close(c.code(), c.reason());
                }
                continue;
            }
            Queued f = (Queued) next;
            if (s == null || !s.isOpen() || closingSlow) {
                written(f.bytes());
                continue;
            }
            long bytes = f.bytes();
            try {
                s.sendText(f.text(), outbox.peek() instanceof Queued, failure -> {
                    if (failure != null) {
                        LOG.debug("Write to {} failed: {}", s.remoteAddress(), failure.toString());
                    }
                    written(bytes);
                });
            } catch (RuntimeException e) {
                LOG.debug("Write to {} failed: {}", s.remoteAddress(), e.toString()); // closed meanwhile
                written(bytes);
            }
        }
    }

    /** A frame waiting for the writer, with its size in bytes. */
    private record Queued(String text, long bytes) {}

    /** A close queued behind the frames before it. */
    private record Closing(int code, String reason) {}
}
