package io.pulsarws.session.internal;

import io.pulsarws.codec.EncryptionInfo;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameException;
import io.pulsarws.codec.ProducerFrame;
import io.pulsarws.codec.TraceParent;
import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.SessionInfo;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.MessageRoutingMode;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * A producer session: each text frame becomes one message; each result frame says whether the broker stored it.
 *
 * <p>A burst is slowed down, never refused: at {@code maxPendingMessages} sends in flight, or when the node's
 * {@link SendBudget} is used up, the session stops reading its client until the broker has answered half of them
 * (or the bytes are granted), and TCP holds the client back meanwhile. {@code send-error:8} is left for real failures.
 */
final class ProducerSession extends AbstractSession {
    /** Room above the session's bound in the Pulsar producer's own queue (see {@link #create}). */
    private static final int PENDING_BACKSTOP = 1000;

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
    /** The handshake's valid W3C traceparent, continued in messages whose frames name none; else null. */
    private volatile String traceparent;
    /** The handshake's tracestate, passed on with {@link #traceparent}; else null. */
    private volatile String tracestate;

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
    }

    /** Creates the Pulsar producer the options describe; completes with the session, not yet started. */
    static CompletableFuture<ProducerSession> create(
            SessionContext context, PulsarClient client, String topic, ProducerOptions o, String remoteAddress) {
        // with payloadFormat=json the producer takes the topic's schema (AUTO_PRODUCE_BYTES looks it up before it
        // connects), so that values are checked against it here and stored with its version, under the broker's
        // compatibility rules; any other format produces bytes with no schema, as Pulsar's service does
        Schema<byte[]> schema =
                o.payloadFormat() == io.pulsarws.codec.PayloadFormat.JSON ? Schema.AUTO_PRODUCE_BYTES() : Schema.BYTES;
        ProducerBuilder<byte[]> b = client.newProducer(schema)
                .topic(topic)
                .enableBatching(o.batching())
                .blockIfQueueFull(false) // a WebSocket thread must never block: the session pauses its client instead
                .messageRoutingMode(o.routingMode() == null ? MessageRoutingMode.SinglePartition : o.routingMode())
                // no send timeout unless the client asks for one (Pulsar's client has 30 s): a send that times out
                // may still be stored, so its result can only say "unknown"; without one, a partition holds the
                // producer back (the session stops reading its client) and every result it gives is the truth
                .sendTimeout(o.sendTimeoutMillis(), TimeUnit.MILLISECONDS)
                // the session stops reading its client at its bound, so Pulsar's own bound (which would refuse) is
                // only a backstop above it, for the few frames Jetty parses before a pause takes effect
                .maxPendingMessages(o.maxPendingMessages() + PENDING_BACKSTOP);
        if (o.producerName() != null) {
            b.producerName(o.producerName());
        }
        if (o.initialSequenceId() != null) {
            b.initialSequenceId(o.initialSequenceId());
        }
        if (o.hashingScheme() != null) {
            b.hashingScheme(o.hashingScheme());
        }
        if (o.batching()) {
            if (o.batchingMaxMessages() != null) {
                b.batchingMaxMessages(o.batchingMaxMessages());
            }
            b.batchingMaxPublishDelay(o.batchingMaxPublishDelayMillis(), TimeUnit.MILLISECONDS);
        }
        if (o.compression() != null) {
            b.compressionType(o.compression());
        }
        boolean clientEncrypted = o.encryptionKeys() != null && encryption(context, b, o.encryptionKeys());
        return b.createAsync()
                .thenApply(p -> new ProducerSession(
                        context,
                        p,
                        topic,
                        clientEncrypted,
                        remoteAddress,
                        o.maxPendingMessages(),
                        o.payloadFormat(),
                        schema == Schema.BYTES
                                ? TopicSchema.NONE
                                : context.schemas().of(schema.getSchemaInfo())));
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

    /**
     * Sets up encryption: client-side keys (PIP-290, base64 JSON) or server-side key names.
     *
     * @return true for client-side encryption (frames then carry their IV)
     */
    private static boolean encryption(SessionContext context, ProducerBuilder<byte[]> b, String encryptionKeys) {
        Map<String, EncryptionInfo.Key> keys = context.codec().decodeClientEncryptionKeys(encryptionKeys);
        if (keys != null) {
            ClientSideEncryption crypto = new ClientSideEncryption(keys);
            // the client encrypted (and maybe compressed) already: publish the bytes as they are, one per entry
            b.enableBatching(false)
                    .enableChunking(false)
                    .compressionType(CompressionType.NONE)
                    .cryptoKeyReader(ClientSideEncryption.NO_KEYS)
                    .messageCrypto(crypto);
            crypto.keyNames().forEach(b::addEncryptionKey);
            return true;
        }
        CryptoKeyReader reader = context.keyReader().get();
        if (reader == null) {
            throw new IllegalArgumentException("Invalid query params: encryptionKeys names server-side keys, "
                    + "but no CryptoKeyReader service is registered; for client-side encryption send base64 of "
                    + "{\"<keyName>\":{\"keyValue\":\"<base64>\",\"metadata\":{}}}");
        }
        b.cryptoKeyReader(reader);
        for (String keyName : encryptionKeys.split(",")) {
            if (!keyName.isBlank()) {
                b.addEncryptionKey(keyName.trim());
            }
        }
        return false;
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
            m = message(f, value, n);
        } catch (IllegalArgumentException e) {
            sendResult(
                    n,
                    codec.encodeSendError(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, e.getMessage(), f.context()));
            return;
        }
        if (m == null) {
            return; // refused already
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
     * own continues this trace. An invalid {@code traceparent} is ignored, as the W3C Recommendation asks, and so is
     * its {@code tracestate}.
     */
    void continueTrace(String traceparent, String tracestate) {
        if (TraceParent.valid(traceparent)) {
            this.tracestate = TraceParent.validState(tracestate) ? tracestate : null;
            this.traceparent = traceparent;
        }
    }

    /**
     * @return the message's properties: the frame's, with a {@code traceparent} of the gateway's own span (a child
     *     of the frame's {@code traceparent}, else of the handshake's) when there is a valid one to continue; the
     *     frame's map itself when there is none (no cost without a trace)
     */
    private Map<String, String> properties(ProducerFrame f) {
        Map<String, String> own = f.properties();
        String parent = own.isEmpty() ? null : own.get(TraceParent.TRACEPARENT);
        String state;
        if (parent != null) {
            if (!TraceParent.valid(parent)) {
                return own; // the application's property, not a trace the gateway can continue: left as it is
            }
            state = own.get(TraceParent.TRACESTATE);
            if (state != null && !TraceParent.validState(state)) {
                state = null;
            }
        } else {
            parent = traceparent;
            if (parent == null) {
                return own;
            }
            state = tracestate; // checked once, by continueTrace
        }
        Map<String, String> traced = new HashMap<>(own);
        traced.put(
                TraceParent.TRACEPARENT,
                TraceParent.child(parent, ThreadLocalRandom.current().nextLong()));
        if (state != null) {
            traced.put(TraceParent.TRACESTATE, state);
        } else {
            traced.remove(TraceParent.TRACESTATE);
        }
        return traced;
    }

    /** @return the message for a frame, or null if the frame was refused (the refusal is sent) */
    private TypedMessageBuilder<byte[]> message(ProducerFrame f, byte[] value, long n) {
        TypedMessageBuilder<byte[]> m = producer.newMessage().value(value);
        Map<String, String> properties = properties(f);
        if (!properties.isEmpty()) {
            m.properties(properties);
        }
        if (clientEncrypted) {
            String refusal = encryptionProperties(f, m);
            if (refusal != null) {
                sendResult(n, codec.encodeSendError(WebSocketError.PAYLOAD_ENCODING_ERROR, refusal, f.context()));
                return null;
            }
        }
        if (f.key() != null) {
            m.key(f.key());
        }
        if (f.replicationClusters() != null) {
            m.replicationClusters(f.replicationClusters());
        }
        if (f.eventTime() > 0) {
            m.eventTime(f.eventTime());
        }
        if (f.deliverAt() > 0) {
            m.deliverAt(f.deliverAt());
        }
        if (f.deliverAfterMs() > 0) {
            m.deliverAfter(f.deliverAfterMs(), TimeUnit.MILLISECONDS);
        }
        if (f.sequenceId() != null) {
            clientSequenced = true;
            m.sequenceId(f.sequenceId());
        }
        return m;
    }

    /** Hands the frame's IV and compression to {@link ClientSideEncryption}; returns a refusal or null. */
    private static String encryptionProperties(ProducerFrame f, TypedMessageBuilder<byte[]> m) {
        if (f.encryptionParam() == null) {
            return "encryptionParam is required with client-side encryption";
        }
        m.property(ClientSideEncryption.PARAM, java.util.Base64.getEncoder().encodeToString(f.encryptionParam()));
        if (f.compressionType() != null) {
            try {
                org.apache.pulsar.common.api.proto.CompressionType.valueOf(f.compressionType());
            } catch (IllegalArgumentException e) {
                return "compressionType must be NONE, LZ4, ZLIB, ZSTD or SNAPPY";
            }
            m.property(ClientSideEncryption.COMPRESSION, f.compressionType());
            m.property(ClientSideEncryption.UNCOMPRESSED_SIZE, Integer.toString(f.uncompressedMessageSize()));
        }
        return null;
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
