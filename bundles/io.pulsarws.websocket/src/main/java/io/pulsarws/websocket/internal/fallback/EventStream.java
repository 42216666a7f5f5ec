package io.pulsarws.websocket.internal.fallback;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.websocket.internal.edge.Drainable;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.Outbound;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
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
 * A consumer or reader session over Server-Sent Events: every frame the session sends is one event, written with
 * the servlet's non-blocking output so that no thread ever waits for a client.
 *
 * <p>A pushed message is an event with the message id as its {@code id} and the WebSocket frame as its data (the
 * browser's {@code onmessage}); any other frame is an {@code event: frame}; the end of the session is an
 * {@code event: close} with {@code {"code":...,"reason":...}}, after which the response ends. The first event,
 * {@code event: session}, names the stream for the commands POSTed to it.
 *
 * <p>Flow control as for a WebSocket: the events queued for the client count against {@code
 * maxQueuedBytesPerSession} and its share of {@code maxQueuedBytes}; over budget the session delivers nothing new
 * until half of it is written, and a client that reads nothing for {@code slowClientTimeoutMillis} loses the stream.
 * A comment every {@value #KEEP_ALIVE_SECONDS} s keeps proxies from closing a quiet stream.
 */
final class EventStream
        implements FrameSink, HttpExchange.WriteListener, HttpExchange.Events, Outbound.Client, Drainable {
    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
    static final int KEEP_ALIVE_SECONDS = 5;
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final String MESSAGE_FRAME = "{\"messageId\":\"";

    private final String id;
    private final GatewaySession session;
    /** The role that opened the stream (commands must come from it), or null without authentication. */
    private final String role;

    private final HttpExchange.Async async;
    private final KeepAlive keepAlive;
    private final Outbound node;
    private final long budget;
    private final long nodeBudget;
    private final long slowNanos;
    private final boolean autoAck;
    private final Instant expiresAt;
    private final Runnable onEnded;

    /** Events waiting to be written, in order; a {@link #END} marks the end of the stream. */
    private final Queue<Event> outbox = new ConcurrentLinkedQueue<>();
    /** Bytes in {@link #outbox}. */
    private final AtomicLong queued = new AtomicLong();
    /** Guards the output: one drain writes at a time. */
    private final Object output = new Object();
    /** Guards the session's input: commands are handed over one at a time, as a WebSocket reads them. */
    private final Object input = new Object();
    /** Written by the drain only, under {@link #output}. */
    private boolean unflushed;

    private final AtomicBoolean ended = new AtomicBoolean();
    /** Ids of messages written with autoAck whose acks are not yet handed to the session (any drain hands them). */
    private final Queue<String> writtenUnacked = new ConcurrentLinkedQueue<>();
    /** True while a drain is waiting for a writer thread: one is enough, however many events are queued. */
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    /** Set once the session ended it: the close event is queued, nothing else is. */
    private final AtomicBoolean closing = new AtomicBoolean();

    /** Guards the changes of {@link #congested} with the node's list of clients over budget. */
    private final Object gate = new Object();

    private volatile boolean congested;
    private volatile long congestedSince;
    private volatile HttpExchange.Async out;
    private volatile ScheduledFuture<?> ticker;
    private volatile ScheduledFuture<?> expiry;
    /** Set once the token has expired (by the timer, or by a command that came first). */
    private final AtomicBoolean expired = new AtomicBoolean();

    private int ticks;
    /** Set once a drain asked this stream to leave. */
    private final AtomicBoolean drainAsked = new AtomicBoolean();
    /** How long a browser's EventSource waits before it reconnects to a stream a drain ended (through the balancer). */
    static final int DRAIN_RETRY_MILLIS = 1000;

    /** An event's bytes, and the id of the message it carries (for automatic acks), or null. */
    private record Event(byte[] bytes, String messageId) {}

    private static final Event END = new Event(new byte[0], null);

    EventStream(
            String id,
            GatewaySession session,
            String role,
            HttpExchange.Async async,
            KeepAlive keepAlive,
            long budget,
            long nodeBudget,
            long slowClientMillis,
            boolean autoAck,
            Instant expiresAt,
            Runnable onEnded) {
        this.id = id;
        this.session = session;
        this.role = role;
        this.async = async;
        this.keepAlive = keepAlive;
        this.node = keepAlive.outbound();
        this.budget = budget;
        this.nodeBudget = nodeBudget;
        this.slowNanos = TimeUnit.MILLISECONDS.toNanos(slowClientMillis);
        this.autoAck = autoAck;
        this.expiresAt = expiresAt;
        this.onEnded = onEnded;
    }

    String role() {
        return role;
    }

    /** Starts writing and delivering; called once, on the request's thread. */
    void start() throws IOException {
        keepAlive.connections().opened(this); // first: whatever fails from here on ends it, which removes it
        async.listen(this);
        async.write(this); // non-blocking from the first byte: no drain may write before this
        out = async;
        enqueue(("event: session\ndata: {\"session\":\"" + id + "\"}\n\n").getBytes(StandardCharsets.US_ASCII), null);
        ticker = keepAlive.every(1, this::tick);
        if (expiresAt != null) {
            expiry = keepAlive.after(
                    Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis()), this::expire);
        }
        session.start(this);
    }

    /**
     * The node drains: the session delivers nothing new and waits for the acks of what it delivered (POSTed
     * commands are still served), then the stream ends with a {@code retry:} field, so that a browser's EventSource
     * reconnects (through the balancer, to another node) after {@value #DRAIN_RETRY_MILLIS} ms, and a close event
     * with code 1001 (a reader's reason names its last message id; EventSource sends it back as
     * {@code Last-Event-ID} anyway). Ended regardless after {@code finishMillis}.
     */
    @Override
    public void drain(long finishMillis) {
        if (!drainAsked.compareAndSet(false, true)) {
            return;
        }
        AtomicBoolean left = new AtomicBoolean();
        java.util.function.Consumer<String> leave = hint -> {
            if (left.compareAndSet(false, true) && !closing.get() && !ended.get()) {
                enqueue(("retry: " + DRAIN_RETRY_MILLIS + "\n\n").getBytes(StandardCharsets.US_ASCII), null);
                close(1001, Drainable.reason(hint));
                keepAlive.after(Outbound.DROP_AFTER_CLOSE_MILLIS, this::end);
            }
        };
        ScheduledFuture<?> late = keepAlive.after(finishMillis, () -> leave.accept(null));
        session.drain().whenComplete((hint, failure) -> {
            late.cancel(false);
            leave.accept(failure == null ? hint : null);
        });
    }

    /**
     * A command POSTed for this stream (UTF-8 checked by the servlet).
     *
     * @return false if the stream has ended (or is ending) and the command was not handed on
     */
    boolean command(byte[] utf8, int offset, int length) {
        if (expiresAt != null && !Instant.now().isBefore(expiresAt)) {
            expire(); // came before the timer ran: from the expiry on, nothing the client sends is acted on
            return false;
        }
        synchronized (input) {
            if (ended.get() || closing.get()) {
                return false;
            }
            session.onText(utf8, offset, length);
            return true;
        }
    }

    @Override
    public void send(String text) {
        if (closing.get() || ended.get()) {
            return;
        }
        String messageId = null;
        if (text.startsWith(MESSAGE_FRAME)) {
            int end = text.indexOf('"', MESSAGE_FRAME.length());
            messageId = end < 0 ? null : text.substring(MESSAGE_FRAME.length(), end);
        }
        StringBuilder b = new StringBuilder(text.length() + 64);
        if (messageId != null) {
            b.append("id: ").append(messageId).append('\n');
        } else {
            b.append("event: frame\n");
        }
        b.append("data: ").append(oneLine(text)).append("\n\n");
        enqueue(b.toString().getBytes(StandardCharsets.UTF_8), messageId);
    }

    /** Frames are compact JSON, on one line; should one ever hold a line break, each line is a data line. */
    private static String oneLine(String text) {
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return text.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\ndata: ");
    }

    @Override
    public void close(int code, String reason) {
        if (ended.get() || !closing.compareAndSet(false, true)) {
            return;
        }
        String data = "{\"code\":" + code + ",\"reason\":\""
                + new String(JsonStringEncoder.getInstance().quoteAsString(reason)) + "\"}";
        enqueue(("event: close\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8), null);
        outbox.add(END);
        if (ended.get()) {
            discard();
            return;
        }
        scheduleDrain();
    }

    @Override
    public boolean writable() {
        return !congested;
    }

    private void enqueue(byte[] bytes, String messageId) {
        long q = queued.addAndGet(bytes.length);
        node.add(bytes.length);
        outbox.add(new Event(bytes, messageId));
        if (ended.get()) {
            discard(); // it ended meanwhile: what it emptied already, this event's bytes must not outlive it
            return;
        }
        if (!congested && node.over(q, budget, nodeBudget)) {
            congest();
        }
        scheduleDrain();
    }

    private void congest() {
        synchronized (gate) {
            if (congested || !node.over(queued.get(), budget, nodeBudget)) {
                return;
            }
            congestedSince = System.nanoTime();
            congested = true;
        }
        node.congested(this); // in pulsarws_slow_clients, and checked every second by the node's sweep
        if (ended.get()) {
            node.relieved(this); // it ended meanwhile: the node's list must not keep it
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            keepAlive.write(() -> {
                drainScheduled.set(false);
                writeOut();
            });
        }
    }

    @Override
    public void onWritePossible() {
        writeOut();
    }

    /**
     * Writes what is queued while the output takes it without blocking; when it does not, the container calls
     * {@link #onWritePossible} later. Automatic acks are handed to the session after the lock is released.
     */
    private void writeOut() {
        boolean over = false;
        synchronized (output) {
            HttpExchange.Async o = out;
            if (o == null || ended.get()) {
                return;
            }
            try {
                while (o.writeReady()) {
                    Event e = outbox.poll();
                    if (e == null) {
                        if (unflushed) {
                            unflushed = false;
                            o.flush();
                            continue;
                        }
                        break;
                    }
                    if (e == END) {
                        over = true; // ended once the acks of what was written before it are handed over
                        break;
                    }
                    o.write(e.bytes(), 0, e.bytes().length);
                    unflushed = true;
                    written(e.bytes().length);
                    if (autoAck && e.messageId() != null) {
                        writtenUnacked.add(e.messageId());
                    }
                }
            } catch (IOException | IllegalStateException e) {
                LOG.debug("Event stream {} failed: {}", id, e.toString());
                end();
                return;
            }
        }
        // every drain hands over what any drain wrote, so the one that ends the stream does so after all acks of
        // what was written before the close (another drain may still be between its writes and its acks, or be
        // handing them over: the ending drain waits for it on the input lock)
        acknowledgeWritten(over);
        if (over) {
            end();
        }
    }

    /**
     * Automatic acks of messages written: handed over while the session is open, also once it is closing (the
     * close event was queued after these messages; before, their acks were refused then, and they were delivered
     * again to the subscription's next consumer).
     *
     * @param ending true for the drain that ends the stream: it takes the input lock even with nothing left to hand
     *     over, so that another drain which took the last acks off the queue has handed them before the end (a full
     *     test run saw the stream end between another drain's taking an ack and its handing it over)
     */
    private void acknowledgeWritten(boolean ending) {
        if (writtenUnacked.isEmpty() && !ending) {
            return; // nothing to hand over; the drain that ends the stream goes on, to wait for one handing them
        }
        synchronized (input) {
            if (ended.get()) {
                return; // the session is closed: what was not acknowledged is delivered again, as on a WebSocket
            }
            for (String messageId; (messageId = writtenUnacked.poll()) != null; ) {
                byte[] ack = ("{\"messageId\":\"" + messageId + "\"}").getBytes(StandardCharsets.US_ASCII);
                session.onText(ack, 0, ack.length);
            }
        }
    }

    private void written(long bytes) {
        long q = queued.addAndGet(-bytes);
        node.add(-bytes);
        if (congested && node.relieved(q, budget, nodeBudget)) {
            synchronized (gate) {
                if (!congested || !node.relieved(queued.get(), budget, nodeBudget)) {
                    return;
                }
                congested = false;
            }
            node.relieved(this);
            keepAlive.write(session::onWritable);
        }
    }

    /** Called every second by the node's sweep while over budget: a client that has not read for too long loses it. */
    @Override
    public void checkStuck(long nowNanos) {
        if (congested && !ended.get() && nowNanos - congestedSince > slowNanos) {
            LOG.warn(
                    "Ending event stream {}: its client has not read for {} s, {} bytes queued for it "
                            + "(slowClientTimeoutMillis)",
                    id,
                    TimeUnit.NANOSECONDS.toSeconds(slowNanos),
                    queued.get());
            keepAlive.counters().slowEnded();
            end();
        }
    }

    /**
     * The token expired: the stream ends with a close event (4005) and, should its client not read it, is dropped
     * {@value Outbound#DROP_AFTER_CLOSE_MILLIS} ms later.
     */
    private void expire() {
        if (!expired.compareAndSet(false, true)) {
            return; // once, however many commands come after the expiry
        }
        close(WebSocketError.AUTHENTICATION_ERROR.closeCode(), "Authentication expired");
        keepAlive.after(Outbound.DROP_AFTER_CLOSE_MILLIS, this::end);
    }

    /** Every {@value #KEEP_ALIVE_SECONDS} s a keep-alive comment. */
    private void tick() {
        if (++ticks % KEEP_ALIVE_SECONDS == 0 && outbox.isEmpty() && !closing.get()) {
            enqueue(KEEP_ALIVE, null);
        }
    }

    @Override
    public void onError(Throwable t) {
        LOG.debug("Event stream {} failed: {}", id, t.toString());
        end();
    }

    @Override
    public void onComplete() {
        end();
    }

    @Override
    public void onTimeout() {
        end();
    }

    /** The stream is over: release the session, the bytes still queued and the permit; end the response. */
    void end() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {ticker, expiry}) {
            if (f != null) {
                f.cancel(false);
            }
        }
        node.relieved(this);
        session.close();
        discard();
        writtenUnacked.clear(); // never handed over now: their messages are delivered again
        onEnded.run();
        keepAlive.connections().closed(this);
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // completed already (the client went away)
        }
    }

    /** Drops what is queued, giving its bytes back; safe to run any number of times, from any thread. */
    private void discard() {
        long left = 0;
        for (Event e; (e = outbox.poll()) != null; ) {
            left += e.bytes().length;
        }
        if (left > 0) {
            queued.addAndGet(-left);
            node.add(-left);
        }
    }
}
