package io.pulsarws.session.internal;

import io.pulsarws.codec.FrameException;
import io.pulsarws.codec.ProducerFrame;
import io.pulsarws.codec.TraceParent;
import io.pulsarws.codec.WebSocketError;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * A send frame as a Pulsar message of one producer: the frame's properties with the trace context continued, its
 * key, times, replication clusters and sequence id, and with client-side encryption its IV and compression.
 */
final class FrameMessages {
    private final Producer<byte[]> producer;
    /** Client-side encryption (PIP-290): frames must carry their IV. */
    private final boolean clientEncrypted;
    /** The handshake's valid W3C traceparent, continued in messages whose frames name none; else null. */
    private volatile String traceparent;
    /** The handshake's tracestate, passed on with {@link #traceparent}; else null. */
    private volatile String tracestate;

    FrameMessages(Producer<byte[]> producer, boolean clientEncrypted) {
        this.producer = producer;
        this.clientEncrypted = clientEncrypted;
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

    /**
     * @return the message for a frame
     * @throws FrameException {@code send-error:7} for a frame that client-side encryption cannot take
     * @throws IllegalArgumentException for a value Pulsar's message builder refuses
     */
    TypedMessageBuilder<byte[]> of(ProducerFrame f, byte[] value) throws FrameException {
        TypedMessageBuilder<byte[]> m = producer.newMessage().value(value);
        Map<String, String> properties = properties(f);
        if (!properties.isEmpty()) {
            m.properties(properties);
        }
        if (clientEncrypted) {
            String refusal = encryptionProperties(f, m);
            if (refusal != null) {
                throw new FrameException(WebSocketError.PAYLOAD_ENCODING_ERROR, refusal, f.context());
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
            m.sequenceId(f.sequenceId());
        }
        return m;
    }

    /** Hands the frame's IV and compression to {@link ClientSideEncryption}; returns a refusal or null. */
    private static String encryptionProperties(ProducerFrame f, TypedMessageBuilder<byte[]> m) {
        if (f.encryptionParam() == null) {
            return "encryptionParam is required with client-side encryption";
        }
        m.property(ClientSideEncryption.PARAM, Base64.getEncoder().encodeToString(f.encryptionParam()));
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
}
