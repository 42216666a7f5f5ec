package io.pulsarws.session.internal;

import io.pulsarws.codec.ConsumerCommand;
import io.pulsarws.codec.DeliveredMessage;
import io.pulsarws.codec.EncryptionInfo;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameException;
import io.pulsarws.session.FrameSink;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.common.api.EncryptionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session that pushes messages to its client (consumer or reader), under credit-based flow control.
 *
 * <p>Push mode starts with the window ({@code receiverQueueSize}) and gets a credit back for each ack or nack of
 * a message delivered on this session; pull mode starts at 0 and gets credits only from {@code permit} commands.
 * A message redelivered while it is still outstanding here costs no second credit, so ack timeouts cannot drain
 * the window (Pulsar #2731).
 */
abstract class DeliverySession extends AbstractSession {
    private static final Logger LOG = LoggerFactory.getLogger(DeliverySession.class);
    /**
     * Bound of tracked outstanding ids beyond the window (a few hundred bytes each); only a pull-mode client that
     * never acks reaches it, and an id forgotten this way is still acked, decoded from its bytes.
     */
    private static final int MAX_TRACKED = 10_000;

    protected final FrameCodec codec;
    protected final boolean pullMode;
    private final OutstandingMessages outstanding;

    @Override
    protected long pending() {
        return outstanding.size();
    }

    private final int window;
    private final AtomicInteger credits;
    /** True while one receive is in flight; at most one is, which keeps delivery in order. */
    private final AtomicBoolean receiving = new AtomicBoolean();

    /**
     * Guards a delivery against the end of a drain: a message is either handed to the sink before the drain
     * completes (so its frame goes out before the close) or not delivered at all.
     */
    private final Object delivery = new Object();
    /** Under {@link #delivery}: set once a drain found nothing owed; nothing is delivered from then on. */
    private boolean drainedDelivery;
    /** The id of the last message handed to the sink, or null. */
    private volatile String lastDelivered;

    /** Bounds the Pulsar side's receive queues in bytes; set once after creation ({@link #watch}). */
    private volatile Prefetch.Window prefetch;

    /** How pushed frames carry payloads (beyond Pulsar: text or json instead of base64). */
    private final io.pulsarws.codec.PayloadFormat payloadFormat;
    /** The schemas of what was delivered, with {@code payloadFormat=json}; else null. */
    private final SchemaVersions versions;

    DeliverySession(
            SessionContext context,
            String topic,
            String remoteAddress,
            boolean pullMode,
            int window,
            io.pulsarws.codec.PayloadFormat payloadFormat) {
        super(context, topic, remoteAddress);
        this.payloadFormat = payloadFormat;
        this.versions =
                payloadFormat == io.pulsarws.codec.PayloadFormat.JSON ? new SchemaVersions(context.schemas()) : null;
        this.codec = context.codec();
        this.pullMode = pullMode;
        this.window = window;
        this.credits = new AtomicInteger(pullMode ? 0 : window);
        this.outstanding = new OutstandingMessages(Math.max(window, MAX_TRACKED));
    }

    /** @return true while the session is being ended on purpose, so that a failing receive is expected */
    protected boolean ending() {
        return false;
    }

    /** @return the Pulsar consumer or reader whose receive queues {@link Prefetch} reads and sizes */
    protected abstract Object pulsarQueues();

    /** @return the most messages this session's client may have outstanding (its receive queues' upper bound) */
    int window() {
        return window;
    }

    /** Starts bounding this session's receive queues in bytes, charged to {@code owner}. */
    void watch(Prefetch p, String owner) {
        Prefetch.Window w = p.open(owner, new PulsarQueues(pulsarQueues()), window, this::closeSocket);
        prefetch = w;
        if (isClosed()) {
            w.close(); // closed meanwhile: closing() may have run before the window was there
        }
    }

    @Override
    protected void closing() {
        Prefetch.Window w = prefetch;
        if (w != null) {
            w.close();
        }
    }

    /** The receive queues of a Pulsar consumer or reader of the embedded client. */
    private record PulsarQueues(Object of) implements Prefetch.Queues {
        @Override
        public long bytes() {
            return io.pulsarws.pulsar.client.ReceiveQueues.bytes(of);
        }

        @Override
        public int messages() {
            return io.pulsarws.pulsar.client.ReceiveQueues.messages(of);
        }

        @Override
        public int count() {
            return io.pulsarws.pulsar.client.ReceiveQueues.queues(of);
        }

        @Override
        public void resize(int perQueue) {
            io.pulsarws.pulsar.client.ReceiveQueues.resize(of, perQueue);
        }
    }

    /** @return the next message of the subscription or reader */
    protected abstract CompletableFuture<? extends Message<?>> receiveNext();

    /** The broker delivered {@code m} to this session (before it is sent to the client). */
    protected void delivered(Message<?> m) {
        // only consumers keep state about deliveries
    }

    /** @return the id clients see for this message */
    protected String clientId(Message<?> m) {
        return codec.encodeMessageId(m.getMessageId().toByteArray());
    }

    @Override
    public void start(FrameSink sink) {
        super.start(sink);
        pump();
    }

    /**
     * Takes a message off the outstanding list because the client acked or nacked it; in push mode that returns
     * its credit.
     *
     * @return the id the message was delivered with, or null if it was not delivered (or is no longer tracked) here
     */
    protected MessageId settle(String clientId) {
        MessageId id = outstanding.remove(clientId);
        if (id != null && !pullMode) {
            credits.incrementAndGet();
        }
        checkDrained();
        return id;
    }

    /**
     * @return true if a drain waits until every delivered message is acked or nacked (a consumer); a reader's
     *     client acks only to return credit, so it does not
     */
    protected boolean settlesBeforeDrain() {
        return true;
    }

    @Override
    protected boolean owesNothing() {
        synchronized (delivery) {
            if (!settlesBeforeDrain() || outstanding.size() == 0) {
                drainedDelivery = true; // a receive in flight now ends undelivered: redelivered, or read again
            }
            return drainedDelivery;
        }
    }

    /** @return the last message id handed to the client: a reader drained away reconnects after it */
    protected String lastDelivered() {
        return lastDelivered;
    }

    /**
     * Reads a client command; a frame that cannot be read ends the session with 4000 + its API error code.
     *
     * @return the command, or null if the session was closed
     */
    protected ConsumerCommand decodeOrClose(byte[] utf8, int offset, int length) {
        try {
            return codec.decodeConsumerCommand(utf8, offset, length);
        } catch (FrameException e) {
            LOG.debug("Closing {}: {}", this, e.getMessage());
            closeSocket(e.error().closeCode(), e.getMessage());
            return null;
        }
    }

    /** Settles every outstanding message of the same topic partition at or before {@code upTo} (a cumulative ack). */
    protected void settleUpTo(MessageId upTo) {
        giveBack(outstanding.removeUpTo(upTo));
    }

    /** After a seek by id: nothing delivered from that topic partition counts any more. */
    protected void settleStream(MessageId of) {
        giveBack(outstanding.removeStream(of));
    }

    /** After a seek by time (all partitions): nothing delivered before counts any more. */
    protected void settleAll() {
        giveBack(outstanding.clear());
    }

    private void giveBack(int settled) {
        if (!pullMode && settled > 0) {
            credits.addAndGet(settled);
        }
        checkDrained();
    }

    /** Adds pull-mode credits. */
    protected void grant(int permits) {
        credits.accumulateAndGet(permits, DeliverySession::saturatedAdd);
    }

    /** The client read what was queued for it: deliver again. */
    @Override
    public void onWritable() {
        pump();
    }

    /**
     * Starts receives while credits last and the client reads what it is sent (a client that stops reading gets
     * nothing more until it catches up: {@link #onWritable}); never more than one receive in flight, never
     * recursing per message.
     */
    protected void pump() {
        while (!isClosed()
                && !draining()
                && !closeSent()
                && sink != null
                && credits.get() > 0
                && writable()
                && receiving.compareAndSet(false, true)) {
            if (credits.get() <= 0 || !writable()) {
                receiving.set(false);
                continue; // an ack (or the client reading) may have changed it meanwhile: the loop looks again
            }
            CompletableFuture<? extends Message<?>> next = receiveNext();
            if (versions != null) {
                next = next.thenCompose(versions::resolve);
            }
            if (!next.isDone()) {
                next.whenComplete((m, e) -> {
                    if (received(m, e)) {
                        pump();
                    }
                });
                return;
            }
            Message<?> m;
            try {
                m = next.join();
            } catch (CompletionException | CancellationException e) {
                received(null, e instanceof CompletionException ? e.getCause() : e);
                return;
            }
            if (!received(m, null)) {
                return;
            }
        }
    }

    private boolean received(Message<?> m, Throwable failure) {
        if (failure != null) {
            receiving.set(false);
            if (!isClosed() && !ending()) {
                LOG.warn("Receive on {} failed, closing the session", this, failure);
                closeSocket(1011, "receive failed: " + Refusals.reason(failure));
            }
            return false;
        }
        synchronized (delivery) {
            if (drainedDelivery) {
                receiving.set(false);
                return false; // the drain is over: a consumer's broker redelivers it, a reader reads it again
            }
            return deliver(m);
        }
    }

    /** Hands {@code m} to the sink; under {@link #delivery}. */
    private boolean deliver(Message<?> m) {
        try {
            String id = clientId(m);
            if (outstanding.put(id, m.getMessageId())) {
                credits.decrementAndGet();
            }
            delivered(m);
            messages.increment();
            Prefetch.Window w = prefetch;
            if (w != null) {
                w.taken(m.size());
            }
            SharedFrames.Key shared = shareable(m)
                    ? new SharedFrames.Key(m.getTopicName(), id, m.getRedeliveryCount(), payloadFormat)
                    : null;
            String frame = shared == null ? null : context.frames().get(shared);
            if (frame != null) {
                counters.delivered(m.size());
            } else {
                byte[] payload = m.getData();
                counters.delivered(payload.length);
                DeliveredMessage d = new DeliveredMessage(
                        id,
                        payload,
                        m.getProperties(),
                        m.getPublishTime(),
                        m.getRedeliveryCount(),
                        m.getEventTime(),
                        m.hasKey() ? m.getKey() : null,
                        m.getEncryptionCtx().map(DeliverySession::encryption).orElse(null));
                TopicSchema schema = versions == null ? TopicSchema.NONE : versions.of(m);
                frame = schema.decodes()
                        ? codec.encodeDecodedMessage(d, schema.toJson(payload))
                        : codec.encodeMessage(d, payloadFormat);
                if (shared != null) {
                    context.frames().put(shared, frame);
                }
            }
            send(frame);
            lastDelivered = id;
            return true;
        } catch (RuntimeException e) {
            // a message that cannot be delivered must not silently stop the loop: end the session, it is redelivered
            LOG.warn("Delivering on {} failed, closing the session", this, e);
            closeSocket(1011, "delivery failed");
            return false;
        } finally {
            receiving.set(false);
        }
    }

    /**
     * @return true if the message's frame is the same for every session that delivers it in this format: not
     *     decoded with a schema, not encrypted, and no key reader on the node (with one, a session may decrypt what
     *     another cannot)
     */
    private boolean shareable(Message<?> m) {
        return versions == null
                && context.keyReader().get() == null
                && m.getEncryptionCtx().isEmpty();
    }

    /** The context of a message delivered still encrypted ({@code cryptoFailureAction=CONSUME}). */
    private static EncryptionInfo encryption(EncryptionContext ctx) {
        Map<String, EncryptionInfo.Key> keys = new LinkedHashMap<>();
        ctx.getKeys()
                .forEach((name, k) -> keys.put(
                        name,
                        new EncryptionInfo.Key(k.getKeyValue(), k.getMetadata() == null ? Map.of() : k.getMetadata())));
        return new EncryptionInfo(
                keys,
                ctx.getParam(),
                ctx.getAlgorithm(),
                String.valueOf(ctx.getCompressionType()),
                ctx.getUncompressedMessageSize(),
                ctx.getBatchSize().orElse(null));
    }

    private static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }
}
