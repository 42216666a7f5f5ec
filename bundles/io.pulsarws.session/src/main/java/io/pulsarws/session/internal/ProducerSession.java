package io.pulsarws.session.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameException;
import io.pulsarws.codec.ProducerFrame;
import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.SessionInfo;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * A producer session: each text frame becomes one message; each result frame says whether the broker stored it.
 *
 * <p>A burst is slowed down, never refused: at {@code maxPendingMessages} sends in flight, or when the node's
 * {@link SendBudget} is used up, the session stops reading its client until the broker has answered half of them
 * (or the bytes are granted), and TCP holds the client back meanwhile. {@code send-error:8} is left for real failures.
 */
final class ProducerSession extends AbstractSession {
    private final Producer<byte[]> producer;
    private final FrameCodec codec;
    /** Client-side encryption (PIP-290): frames must carry their IV. */
    private final boolean clientEncrypted;
    /** The node's bytes in flight to the broker, shared by every producer session. */
    private final SendBudget budget;
    /** Sends in flight at which the client is no longer read. */
    private final int maxPending;
    /** How send frames carry payloads (beyond Pulsar: text or json instead of base64). */
    private final io.pulsarws.codec.PayloadFormat payloadFormat;
    /** With {@code payloadFormat=json}: the topic's schema, which values must fit; else {@link TopicSchema#NONE}. */
    private final TopicSchema schema;

    /** Guards {@link #inFlight}, {@link #waiting} and {@link #paused}. */
    private final Object flow = new Object();
    /** Sends handed to Pulsar and not yet answered. */
    private int inFlight;
    /**
     * Frames read while the node's send budget was used up, in the order they came. Bounded: the first one pauses
     * the reading of the client, so only the frames Jetty parsed before that took effect follow it (none, or those
     * of the upgrade packet, a few KiB), each at most maxTextFrameSize (ProducerSessionTest, HostileClientsIT.c).
     */
    private final ArrayDeque<Send> waiting = new ArrayDeque<>();
    /** True while this session keeps its client from being read. */
    private boolean paused;
    /** Set once a drain found nothing owed: frames read from then on are neither sent nor answered. */
    private boolean drainedFlow;
    /** Send frames read so far; frames are read one at a time (the endpoint's contract), so a plain field. */
    private long framesRead;
    /** Where the producer goes when a one-batch session ends ({@link #returnsTo}), or null: it is closed. */
    private volatile ProducerPool pool;

    private volatile ProducerPool.Key poolKey;
    /** Set once a frame gave its own sequence id: the broker's deduplication then knows this producer's history. */
    private volatile boolean clientSequenced;
    /** The frames' messages: properties, trace context, key, times, encryption. */
    private final FrameMessages frameMessages;

    ProducerSession(
            SessionContext context,
            Producer<byte[]> producer,
            String topic,
            boolean clientEncrypted,
            String remoteAddress,
            int maxPending,
            io.pulsarws.codec.PayloadFormat payloadFormat,
            TopicSchema schema) {
        super(context, topic, remoteAddress);
        this.payloadFormat = payloadFormat;
        this.schema = schema;
        this.producer = producer;
        this.codec = context.codec();
        this.clientEncrypted = clientEncrypted;
        this.budget = context.sendBudget();
        this.maxPending = maxPending;
        this.frameMessages = new FrameMessages(producer, clientEncrypted);
    }

    /** A session on a producer another one-batch session left idle, with the same key (so the same options). */
    static ProducerSession reuse(
            SessionContext context, ProducerPool.Idle idle, String topic, ProducerOptions o, String remoteAddress) {
        return new ProducerSession(
                context,
                idle.producer(),
                topic,
                idle.clientEncrypted(),
                remoteAddress,
                o.maxPendingMessages(),
                o.payloadFormat(),
                idle.schema());
    }

    @Override
    protected void handleText(byte[] utf8, int offset, int length) {
        if (closeSent()) {
            return; // its answer could not reach the client, which sends it again elsewhere: not published
        }
        long n = framesRead++;
        ProducerFrame f;
        try {
            f = codec.decodeProducerFrame(utf8, offset, length, payloadFormat);
        } catch (FrameException e) {
            sendResult(n, codec.encodeSendError(e.error(), e.getMessage(), e.context()));
            return;
        }
        byte[] value;
        try {
            value = schema.produce(f.payload());
        } catch (IllegalArgumentException e) {
            sendResult(
                    n,
                    codec.encodeSendError(
                            WebSocketError.PAYLOAD_ENCODING_ERROR,
                            "payload does not fit the topic's " + schema.type() + " schema: " + e.getMessage(),
                            f.context()));
            return;
        }
        TypedMessageBuilder<byte[]> m;
        try {
            m = frameMessages.of(f, value);
        } catch (FrameException e) {
            sendResult(n, codec.encodeSendError(e.error(), e.getMessage(), e.context()));
            return;
        } catch (IllegalArgumentException e) {
            sendResult(
                    n,
                    codec.encodeSendError(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, e.getMessage(), f.context()));
            return;
        }
        if (f.sequenceId() != null) {
            clientSequenced = true;
        }
        Send send = new Send(m, f.context(), value.length, n);
        synchronized (flow) {
            if (drainedFlow) {
                return; // read after the drain ended (the pause takes effect at a frame's end): not acted on
            }
            boolean behind = !waiting.isEmpty();
            waiting.add(send); // first in line, or behind the sends already waiting for bytes: order is kept
            if (behind) {
                return;
            }
        }
        long granted = budget.acquire(send.size, bytes -> granted(send, bytes));
        if (granted < 0) {
            pause(); // the budget calls granted() later, perhaps already now on another thread
            // ...which may have sent it and seen its answer before the pause above, finding nothing paused to
            // resume: check again, or the client would never be read again with nothing waiting or in flight
            resumeIfBelow();
            return;
        }
        synchronized (flow) {
            waiting.remove(send);
        }
        submit(send, granted);
    }

    /** A frame read, waiting for its bytes or on its way to the broker. */
    private static final class Send {
        final TypedMessageBuilder<byte[]> message;
        final String context;
        final int size;
        /** Which of the session's frames it is. */
        final long frame;

        Send(TypedMessageBuilder<byte[]> message, String context, int size, long frame) {
            this.message = message;
            this.context = context;
            this.size = size;
            this.frame = frame;
        }
    }

    /** The budget granted the first waiting send its bytes: send it, and what waits behind it if that fits. */
    private void granted(Send first, long bytes) {
        if (isClosed()) {
            budget.release(bytes);
            return;
        }
        synchronized (flow) {
            waiting.remove(first);
        }
        submit(first, bytes);
        while (true) {
            Send next;
            synchronized (flow) {
                next = waiting.peek();
            }
            if (next == null) {
                break;
            }
            long got = budget.acquire(next.size, b -> granted(next, b));
            if (got < 0) {
                return; // still paused: the budget calls back
            }
            synchronized (flow) {
                waiting.poll();
            }
            submit(next, got);
        }
        resumeIfBelow();
    }

    /** Sends to the broker; once {@code maxPending} are in flight the client is not read until half are answered. */
    private void submit(Send s, long bytes) {
        boolean full;
        synchronized (flow) {
            inFlight++;
            full = inFlight >= maxPending;
        }
        if (full) {
            pause();
        }
        long started = System.nanoTime();
        CompletableFuture<org.apache.pulsar.client.api.MessageId> sent;
        try {
            // the Pulsar client encodes the value here, checking it against the topic's schema when the producer
            // took one (payloadFormat=json on an INT64 or PROTOBUF topic, say): a refusal must not end the session
            sent = s.message.sendAsync();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((id, err) -> {
            budget.release(bytes);
            synchronized (flow) {
                inFlight--;
            }
            if (err == null) {
                messages.increment();
                counters.published(s.size, (System.nanoTime() - started) / 1000);
                sendResult(s.frame, codec.encodeSendOk(codec.encodeMessageId(id.toByteArray()), s.context));
            } else if (Refusals.unwrap(err) instanceof org.apache.pulsar.client.api.SchemaSerializationException e) {
                counters.publishFailures.increment();
                sendResult(
                        s.frame,
                        codec.encodeSendError(
                                WebSocketError.PAYLOAD_ENCODING_ERROR,
                                "payload does not fit the topic's schema: " + e.getMessage(),
                                s.context));
            } else {
                counters.publishFailures.increment();
                String reason = Refusals.reason(Refusals.unwrap(err));
                sendResult(
                        s.frame,
                        Refusals.notStored(err)
                                ? codec.encodeSendError(WebSocketError.UNKNOWN_ERROR, reason, s.context)
                                : codec.encodeSendUnknown(reason, s.context));
            }
            resumeIfBelow();
            checkDrained(); // after the answer is handed to the sink
        });
    }

    /**
     * Stops reading the client. The flag and the endpoint's pause are set together, under {@link #flow}: set apart,
     * a completion could clear the flag and resume in between, and the pause that followed would never be resumed
     * (reading stopped with nothing in flight: DefectsIT's flood stalled so, twice in a day's full runs).
     */
    private void pause() {
        synchronized (flow) {
            paused = true;
            pauseReading();
        }
    }

    /**
     * Reads the client again once no send waits for bytes and at most half of {@code maxPending} are in flight;
     * never while the node drains.
     */
    private void resumeIfBelow() {
        synchronized (flow) {
            if (!paused || draining() || !waiting.isEmpty() || inFlight > maxPending / 2) {
                return;
            }
            paused = false;
        }
        resumeReading();
    }

    /**
     * The trace context of the handshake's headers: each message whose frame names no {@code traceparent} of its
     * own continues this trace.
     */
    void continueTrace(String traceparent, String tracestate) {
        frameMessages.continueTrace(traceparent, tracestate);
    }

    /**
     * A one-batch session (an HTTP POST) gives its producer to the pool when it ends, unless sends are still
     * outstanding or a frame set its own sequence id; the next POST with the same key takes it.
     */
    void returnsTo(ProducerPool pool, ProducerPool.Key key) {
        this.poolKey = key;
        this.pool = pool;
    }

    /** @return what the pool needs to hand this session's producer to the next session */
    ProducerPool.Idle idle() {
        return new ProducerPool.Idle(producer, clientEncrypted, schema);
    }

    @Override
    protected CompletableFuture<Void> closePulsar() {
        ProducerPool p = pool;
        if (p != null && !clientSequenced && pending() == 0 && p.offer(poolKey, idle())) {
            return CompletableFuture.completedFuture(null);
        }
        return producer.closeAsync();
    }

    /** Draining: the client is read no more; what was read is sent and answered. */
    @Override
    protected void startDraining() {
        pause();
    }

    @Override
    protected boolean owesNothing() {
        synchronized (flow) {
            if (inFlight == 0 && waiting.isEmpty()) {
                drainedFlow = true;
            }
            return drainedFlow;
        }
    }

    @Override
    protected long pending() {
        synchronized (flow) {
            return inFlight + waiting.size();
        }
    }

    @Override
    EndpointPath.Kind kind() {
        return EndpointPath.Kind.PRODUCER;
    }

    @Override
    SessionInfo info() {
        return info(null, null, null);
    }

    @Override
    public String toString() {
        return "producer session on " + topic + " from " + remoteAddress;
    }
}
