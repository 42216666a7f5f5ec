package io.pulsarws.session.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.SessionInfo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.client.api.PulsarClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every session kind shares: its sink once started, and closing exactly once. */
abstract class AbstractSession implements GatewaySession {
    private static final Logger LOG = LoggerFactory.getLogger(AbstractSession.class);

    protected final SessionContext context;
    protected final String topic;
    protected final String remoteAddress;
    /** Set once by {@link #start}; read by Pulsar callback threads. */
    protected volatile FrameSink sink;

    private final AtomicBoolean closed = new AtomicBoolean();
    /** The gateway client this session belongs to (directly, or through one of its credential clients). */
    private volatile PulsarClient owner;
    /** Messages published or delivered; read for statistics. */
    protected final LongAdder messages = new LongAdder();
    /** The counters of this session's namespace. */
    protected final NamespaceMetrics.Counters counters;

    /** Frames received from the client. */
    private final LongAdder framesIn = new LongAdder();

    private final long id;
    private final Instant opened = Instant.now();
    /** The authenticated role, if any; set once before the session is handed out. */
    private volatile String role;

    /** Set once the node drains ({@link #drain}): nothing new is started for the client. */
    private volatile boolean draining;
    /** Completes once the draining session owes its client nothing. */
    private final CompletableFuture<String> drained = new CompletableFuture<>();
    /** Set once the gateway sent its close frame and waits for the client's answer ({@link #sendCloseFrame}). */
    private volatile boolean closeSent;
    /** Completes once the session is closed. */
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    AbstractSession(SessionContext context, String topic, String remoteAddress) {
        this.context = context;
        this.topic = topic;
        this.remoteAddress = remoteAddress;
        this.counters = context.metrics().of(topic);
        this.id = context.ids().getAsLong();
    }

    long id() {
        return id;
    }

    void bindRole(String role) {
        this.role = role;
    }

    @Override
    public final void onText(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        onText(utf8, 0, utf8.length);
    }

    @Override
    public final void onText(byte[] utf8, int offset, int length) {
        framesIn.increment();
        handleText(utf8, offset, length);
    }

    /** Handles one client frame, as its UTF-8 bytes. */
    protected abstract void handleText(byte[] utf8, int offset, int length);

    /** @return sends in flight (producer) or messages delivered and not yet acknowledged */
    protected abstract long pending();

    /** @return what the session is for */
    abstract EndpointPath.Kind kind();

    /** @return the snapshot of this session, with its subscription if it has one */
    protected SessionInfo info(String subscription, String subscriptionType, String subscriptionMode) {
        return new SessionInfo(
                id,
                kind().label(),
                topic,
                subscription,
                subscriptionType,
                subscriptionMode,
                remoteAddress,
                messages.sum(),
                role,
                framesIn.sum(),
                pending(),
                opened);
    }

    @Override
    public void start(FrameSink sink) {
        this.sink = sink;
        if (isClosed()) {
            // closed between the handshake and the connect (the gateway was reconfigured): end the socket too
            sink.close(PulsarGateway.CLOSE_SERVICE_RESTART, PulsarGateway.SERVICE_RESTART);
        }
    }

    void bindOwner(PulsarClient owner) {
        this.owner = owner;
    }

    /** @return what {@link #bindOwner} recorded */
    PulsarClient owner() {
        return owner;
    }

    protected boolean isClosed() {
        return closed.get();
    }

    /** Sends if the socket is (still) there. */
    /** Sends a producer's answer to its send frame number {@code frame} ({@link FrameSink#sendResult}). */
    protected void sendResult(long frame, String text) {
        FrameSink s = sink;
        if (s != null && !closed.get()) {
            s.sendResult(frame, text);
        }
    }

    protected void send(String frame) {
        FrameSink s = sink;
        if (s != null && !closed.get()) {
            s.send(frame);
        }
    }

    /** Stops reading the client's frames (see {@link FrameSink#pauseReading}). */
    protected void pauseReading() {
        FrameSink s = sink;
        if (s != null) {
            s.pauseReading();
        }
    }

    /** Reads the client's frames again. */
    protected void resumeReading() {
        FrameSink s = sink;
        if (s != null) {
            s.resumeReading();
        }
    }

    /** @return true while the client reads what is queued for it (see {@link FrameSink#writable}) */
    protected boolean writable() {
        FrameSink s = sink;
        return s == null || s.writable();
    }

    /** Ends the session from the gateway's side: close frame first, then the Pulsar side. */
    void closeSocket(int code, String reason) {
        FrameSink s = sink;
        if (s != null) {
            s.close(code, reason);
        }
        close();
    }

    /**
     * Ends the session from the gateway's side in two steps: the close frame now, the Pulsar side when the client
     * answers it (the transport then closes the session). What the client sent before it read the close frame
     * still counts, acks above all; nothing new is delivered and a producer publishes nothing more, since its
     * answer could no longer reach the client. The caller closes the session itself if no answer comes.
     */
    void sendCloseFrame(int code, String reason) {
        closeSent = true;
        FrameSink s = sink;
        if (s != null) {
            s.close(code, reason);
        } else {
            close(); // not started yet: no client to wait for
        }
    }

    /** @return true once {@link #sendCloseFrame} sent the close frame */
    protected boolean closeSent() {
        return closeSent;
    }

    /** @return completes once the session is closed */
    CompletableFuture<Void> ended() {
        return ended;
    }

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            drained.complete(null); // a drain waiting for it is over: nothing more is owed
            closing();
            context.onClosed().accept(this);
            closePulsar().whenComplete((v, e) -> {
                if (e != null) {
                    LOG.debug("Closing {} failed: {}", this, e.toString());
                }
            });
            ended.complete(null);
        }
    }

    @Override
    public final CompletableFuture<String> drain() {
        if (!draining) {
            draining = true;
            startDraining();
        }
        checkDrained();
        return drained;
    }

    /** @return true once the node drains this session */
    protected boolean draining() {
        return draining;
    }

    /** Called once when the node starts draining this session, before it is first checked. */
    protected void startDraining() {
        // a session that starts nothing on its own has nothing to stop
    }

    /**
     * Completes the drain if the session owes its client nothing any more; called whenever that may have changed.
     * A closed session owes nothing.
     */
    protected final void checkDrained() {
        if (draining && !drained.isDone() && (isClosed() || owesNothing())) {
            drained.complete(isClosed() ? null : resumeHint());
        }
    }

    /**
     * @return true when every frame acted on is answered and every delivery settled; a session that says true
     *     must act on nothing more from then on
     */
    protected boolean owesNothing() {
        return pending() == 0;
    }

    /** @return where a client drained away should go on from, or null */
    protected String resumeHint() {
        return null;
    }

    /** Called once when the session closes, before the Pulsar side is closed. */
    protected void closing() {
        // only delivery sessions hold something to give back here
    }

    /** @return this session's statistics snapshot */
    abstract SessionInfo info();

    /** Closes the producer or consumer asynchronously. */
    protected abstract CompletableFuture<Void> closePulsar();
}
