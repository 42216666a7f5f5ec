package io.pulsarws.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the JSON frames of Pulsar's WebSocket API with Jackson's streaming API.
 *
 * <p>Reading follows Pulsar's own service: unknown fields are ignored, a JSON number or boolean where a string is
 * expected is taken as its text (the API page's Python example sends {@code "context": 5}), and base64 is the
 * standard alphabet with optional padding. Writing produces exactly the fields Pulsar's service writes.
 *
 * <p>Instances are immutable and thread-safe; create one per component that needs it.
 */
public final class FrameCodec {
    private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();
    private static final Base64.Encoder BASE64_ENCODER = Base64.getEncoder();

    private final JsonFactory json = JsonFactory.builder().build();
    /** The delivered messages' times, each kept apart: publish times and event times come from different seconds. */
    private final IsoMillis publishTimes = new IsoMillis();

    private final IsoMillis eventTimes = new IsoMillis();

    /**
     * Reads a producer's send frame.
     *
     * @param text the text frame
     * @return the frame
     * @throws FrameException {@code send-error:3} for malformed JSON, {@code send-error:7} for a missing or
     *     undecodable payload or event time
     */
    public ProducerFrame decodeProducerFrame(String text) throws FrameException {
        return producerFrame(f -> f.createParser(text), PayloadFormat.BASE64);
    }

    /**
     * Reads a producer's send frame from its bytes, as they came off the socket: no text is made of the frame, only
     * of its fields. The endpoint has checked that they are UTF-8; a frame that Jackson would read otherwise than its text (a
     * leading byte-order mark, a zero byte in the first four) is read as text, so that it is refused exactly as
     * before.
     *
     * @param utf8 the frame's bytes
     * @param offset where the frame starts in {@code utf8}
     * @param length the frame's length in bytes
     * @return the frame
     * @throws FrameException as {@link #decodeProducerFrame(String)}
     * @since 2.2.0
     */
    public ProducerFrame decodeProducerFrame(byte[] utf8, int offset, int length) throws FrameException {
        return decodeProducerFrame(utf8, offset, length, PayloadFormat.BASE64);
    }

    /**
     * Reads a producer's send frame from its bytes, its {@code payload} in the session's format: base64 (as
     * {@link #decodeProducerFrame(byte[], int, int)}), a JSON string stored as its UTF-8 bytes ({@code text}), or
     * any JSON value stored as its compact JSON text ({@code json}). A payload of another type is
     * {@code send-error:7}.
     *
     * @param utf8 the frame's bytes
     * @param offset where the frame starts in {@code utf8}
     * @param length the frame's length in bytes
     * @param format the session's payload format
     * @return the frame
     * @throws FrameException as {@link #decodeProducerFrame(String)}
     * @since 2.3.0
     */
    public ProducerFrame decodeProducerFrame(byte[] utf8, int offset, int length, PayloadFormat format)
            throws FrameException {
        if (format != PayloadFormat.BASE64) {
            return producerFrame(frame(utf8, offset, length), format);
        }
        PlainSendFrame.Fields plain = PlainSendFrame.read(utf8, offset, length);
        if (plain != null) {
            String context = plain.context();
            return new ProducerFrame(
                    payload(plain.payload(), context),
                    Map.of(),
                    context,
                    plain.key(),
                    null,
                    0,
                    0,
                    0,
                    null,
                    null,
                    null,
                    null);
        }
        return producerFrame(frame(utf8, offset, length), PayloadFormat.BASE64);
    }

    /** Opens a parser over a frame. */
    @FunctionalInterface
    private interface Frame {
        JsonParser open(JsonFactory factory) throws IOException;
    }

    /** @return the parser of a frame's bytes, or of their text where Jackson would read the bytes otherwise */
    private static Frame frame(byte[] utf8, int offset, int length) {
        if (readAsText(utf8, offset, length)) {
            String text = new String(utf8, offset, length, StandardCharsets.UTF_8);
            return f -> f.createParser(text);
        }
        return f -> f.createParser(utf8, offset, length);
    }

    /**
     * @return true if Jackson would read these bytes otherwise than their text: it skips a leading byte-order mark
     *     (which text parsing refuses) and takes a zero byte in the first four for UTF-16 or UTF-32
     */
    private static boolean readAsText(byte[] utf8, int offset, int length) {
        if (length >= 3
                && utf8[offset] == (byte) 0xEF
                && utf8[offset + 1] == (byte) 0xBB
                && utf8[offset + 2] == (byte) 0xBF) {
            return true;
        }
        for (int i = offset; i < offset + Math.min(4, length); i++) {
            if (utf8[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private ProducerFrame producerFrame(Frame frame, PayloadFormat format) throws FrameException {
        String payload = null;
        byte[] valueBytes = null; // a text or json payload, already as the bytes to store
        String wrongType = null;
        boolean payloadSeen = false;
        Map<String, String> properties = Map.of();
        String context = null;
        String key = null;
        List<String> clusters = null;
        String eventTime = null;
        long deliverAt = 0;
        long deliverAfterMs = 0;
        Long sequenceId = null;
        String encryptionParam = null;
        String compressionType = null;
        Long uncompressedSize = null;
        try (JsonParser p = frame.open(json)) {
            expectObject(p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "payload" -> {
                        payloadSeen = true;
                        if (format == PayloadFormat.BASE64) {
                            payload = scalarText(p, value, field);
                        } else if (format == PayloadFormat.TEXT) {
                            if (value == JsonToken.VALUE_STRING) {
                                valueBytes = p.getText().getBytes(StandardCharsets.UTF_8);
                            } else {
                                wrongType = "payload must be a JSON string with payloadFormat=text";
                                p.skipChildren();
                            }
                        } else {
                            valueBytes = compactJson(p);
                        }
                    }
                    case "properties" -> properties = stringMap(p, value, field);
                    case "context" -> context = scalarText(p, value, field);
                    case "key" -> key = scalarText(p, value, field);
                    case "replicationClusters" -> clusters = stringList(p, value, field);
                    case "eventTime" -> eventTime = scalarText(p, value, field);
                    case "deliverAt" -> deliverAt = longValue(p, value, field);
                    case "deliverAfterMs" -> deliverAfterMs = longValue(p, value, field);
                    case "sequenceId" -> sequenceId = value == JsonToken.VALUE_NULL ? null : longValue(p, value, field);
                    case "encryptionParam" -> encryptionParam = scalarText(p, value, field);
                    case "compressionType" -> compressionType = scalarText(p, value, field);
                    case "uncompressedMessageSize" ->
                        uncompressedSize = value == JsonToken.VALUE_NULL ? null : longValue(p, value, field);
                    default -> p.skipChildren();
                }
            }
            expectEnd(p);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new FrameException(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, brief(e), context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (wrongType != null) {
            throw new FrameException(WebSocketError.PAYLOAD_ENCODING_ERROR, wrongType, context);
        }
        if (payload == null && valueBytes == null) {
            String reason = payloadSeen ? "payload is null" : "payload is missing";
            throw new FrameException(WebSocketError.PAYLOAD_ENCODING_ERROR, reason, context);
        }
        byte[] bytes = valueBytes != null ? valueBytes : payload(payload, context);
        byte[] param = null;
        if (encryptionParam != null) {
            try {
                param = BASE64_DECODER.decode(encryptionParam);
            } catch (IllegalArgumentException e) {
                throw new FrameException(
                        WebSocketError.PAYLOAD_ENCODING_ERROR,
                        "Invalid Base64 encryptionParam: " + e.getMessage(),
                        context);
            }
        }
        if (sequenceId != null && sequenceId < 0) {
            throw new FrameException(
                    WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, "sequenceId must be >= 0", context);
        }
        if ((compressionType == null) != (uncompressedSize == null)) {
            throw new FrameException(
                    WebSocketError.PAYLOAD_ENCODING_ERROR,
                    "compressionType and uncompressedMessageSize go together",
                    context);
        }
        if (uncompressedSize != null && (uncompressedSize < 0 || uncompressedSize > Integer.MAX_VALUE)) {
            throw new FrameException(WebSocketError.PAYLOAD_ENCODING_ERROR, "invalid uncompressedMessageSize", context);
        }
        return new ProducerFrame(
                bytes,
                properties,
                context,
                key,
                clusters,
                parseEventTime(eventTime, context),
                deliverAt,
                deliverAfterMs,
                sequenceId,
                param,
                compressionType,
                uncompressedSize == null ? null : uncompressedSize.intValue());
    }

    /** @return the JSON value the parser stands on, written compactly as UTF-8 */
    private byte[] compactJson(JsonParser p) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (JsonGenerator g = json.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toByteArray();
    }

    /** @return a send frame's payload decoded from base64, or its refusal */
    private static byte[] payload(String base64, String context) throws FrameException {
        // what Base64.Decoder.decode(String) does, too
        return payload(ByteBuffer.wrap(base64.getBytes(StandardCharsets.ISO_8859_1)), context);
    }

    /**
     * @param base64 the payload's base64 where it stands (in the frame itself, for a plain frame); consumed
     * @return a send frame's payload decoded from base64, or its refusal
     */
    private static byte[] payload(ByteBuffer base64, String context) throws FrameException {
        ByteBuffer decoded;
        try {
            decoded = BASE64_DECODER.decode(base64);
        } catch (IllegalArgumentException e) {
            throw new FrameException(
                    WebSocketError.PAYLOAD_ENCODING_ERROR,
                    "Invalid Base64 message-payload: " + e.getMessage(),
                    context);
        }
        byte[] out = decoded.array(); // the JDK sizes it exactly for valid base64; copied if it ever does not
        return decoded.remaining() == out.length ? out : Arrays.copyOf(out, decoded.remaining());
    }

    /**
     * Reads the client-side encryption keys of a producer's {@code encryptionKeys} query parameter (PIP-290):
     * base64 of {@code {"<keyName>":{"keyValue":"<base64 encrypted data key>","metadata":{...}}}}.
     *
     * @param encryptionKeys the parameter's value
     * @return the keys by name, or null if the value is not in that form (then it names server-side keys)
     */
    public Map<String, EncryptionInfo.Key> decodeClientEncryptionKeys(String encryptionKeys) {
        String decoded;
        try {
            decoded = new String(BASE64_DECODER.decode(encryptionKeys.trim()), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        Map<String, EncryptionInfo.Key> keys = new LinkedHashMap<>();
        try (JsonParser p = json.createParser(decoded)) {
            expectObject(p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                String keyValue = null;
                Map<String, String> metadata = Map.of();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "keyValue" -> keyValue = scalarText(p, value, field);
                        case "metadata" -> metadata = stringMap(p, value, field);
                        default -> p.skipChildren();
                    }
                }
                if (keyValue == null) {
                    return null;
                }
                keys.put(name, new EncryptionInfo.Key(BASE64_DECODER.decode(keyValue), metadata));
            }
            expectEnd(p);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        return keys.isEmpty() ? null : keys;
    }

    /**
     * Reads a consumer's or reader's command frame. As in Pulsar, a frame without a known {@code type} is an
     * acknowledgement and must then carry a {@code messageId}.
     *
     * @param text the text frame
     * @return the command
     * @throws FrameException code 3 for malformed JSON, a missing or non-base64 message id, or a permit
     *     without a positive {@code permitMessages}
     */
    public ConsumerCommand decodeConsumerCommand(String text) throws FrameException {
        return consumerCommand(f -> f.createParser(text));
    }

    /**
     * Reads a consumer's or reader's command from its bytes, as {@link #decodeProducerFrame(byte[], int, int)} reads
     * a send frame.
     *
     * @param utf8 the frame's bytes
     * @param offset where the frame starts in {@code utf8}
     * @param length the frame's length in bytes
     * @return the command
     * @throws FrameException as {@link #decodeConsumerCommand(String)}
     * @since 2.2.0
     */
    public ConsumerCommand decodeConsumerCommand(byte[] utf8, int offset, int length) throws FrameException {
        return consumerCommand(frame(utf8, offset, length));
    }

    private ConsumerCommand consumerCommand(Frame frame) throws FrameException {
        String type = null;
        String messageId = null;
        Long permits = null;
        Long timestamp = null;
        try (JsonParser p = frame.open(json)) {
            expectObject(p);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "type" -> type = scalarText(p, value, field);
                    case "messageId" -> messageId = scalarText(p, value, field);
                    case "permitMessages" -> permits = longValue(p, value, field);
                    case "timestamp" -> timestamp = longValue(p, value, field);
                    default -> p.skipChildren();
                }
            }
            expectEnd(p);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw deserialize(brief(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ConsumerCommand.Type kind = commandType(type);
        switch (kind) {
            case PERMIT -> {
                if (permits == null || permits <= 0 || permits > Integer.MAX_VALUE) {
                    throw deserialize("permit needs a positive permitMessages");
                }
                return new ConsumerCommand(kind, null, null, permits.intValue(), 0);
            }
            case UNSUBSCRIBE, IS_END_OF_TOPIC -> {
                return new ConsumerCommand(kind, null, null, 0, 0);
            }
            case SEEK -> {
                if ((messageId == null) == (timestamp == null)) {
                    throw deserialize("seek needs exactly one of messageId and timestamp");
                }
                return messageId == null
                        ? new ConsumerCommand(kind, null, null, 0, timestamp)
                        : new ConsumerCommand(kind, messageId, decodeMessageId(messageId), 0, 0);
            }
            default -> {
                if (messageId == null || messageId.isEmpty()) {
                    throw deserialize("messageId is missing");
                }
                return new ConsumerCommand(kind, messageId, decodeMessageId(messageId), 0, 0);
            }
        }
    }

    /**
     * Decodes a base64 message id as sent by clients and checks it with {@link MessageIds#check} before anything
     * else reads it.
     *
     * @param messageId the base64 text
     * @return the raw id bytes
     * @throws FrameException code 3 when the text is not base64 or not a message id this gateway accepts
     */
    public byte[] decodeMessageId(String messageId) throws FrameException {
        try {
            return MessageIds.decode(messageId);
        } catch (IllegalArgumentException e) {
            throw deserialize("messageId is not a valid message id: " + e.getMessage());
        }
    }

    /**
     * @param messageId raw message id bytes
     * @return the base64 text clients see
     */
    public String encodeMessageId(byte[] messageId) {
        return BASE64_ENCODER.encodeToString(messageId);
    }

    /**
     * @param messageId the stored message's id, base64
     * @param context the send frame's context, or null
     * @return {@code {"result":"ok","messageId":...,"context":...,"errorCode":0,"schemaVersion":0}}
     */
    public String encodeSendOk(String messageId, String context) {
        // one per message sent: written directly when no character needs escaping (ids are base64; contexts are
        // usually plain), with exactly the bytes Jackson would write
        if (plain(messageId) && (context == null || plain(context))) {
            StringBuilder b = new StringBuilder(70 + messageId.length() + (context == null ? 0 : context.length()));
            b.append("{\"result\":\"ok\",\"messageId\":\"").append(messageId).append('"');
            if (context != null) {
                b.append(",\"context\":\"").append(context).append('"');
            }
            return b.append(",\"errorCode\":0,\"schemaVersion\":0}").toString();
        }
        return write(g -> {
            g.writeStringField("result", "ok");
            g.writeStringField("messageId", messageId);
            writeResultTail(g, null, context);
        });
    }

    /**
     * @param error the API error
     * @param message a short reason, or null for the error's description
     * @param context the send frame's context, or null
     * @return {@code {"result":"send-error:N","errorMsg":...,"context":...,"errorCode":0,"schemaVersion":0}}
     */
    public String encodeSendError(WebSocketError error, String message, String context) {
        return write(g -> {
            g.writeStringField("result", error.sendResult());
            writeResultTail(g, message == null ? error.description() : message, context);
        });
    }

    /**
     * A send whose fate is not known: the broker may have stored the message or not (it timed out, or the
     * connection was lost while the broker had it). Still {@code send-error:8} for clients that only read
     * {@code result}, with {@code "outcome":"unknown"} for those that resend: a resend with the same
     * {@code sequenceId} and {@code producerName} is then deduplicated by the broker.
     *
     * @param message a short reason
     * @param context the send frame's context, or null
     * @return {@code {"result":"send-error:8","errorMsg":...,"outcome":"unknown","context":...,"errorCode":0,
     *     "schemaVersion":0}}
     * @since 1.2.0
     */
    public String encodeSendUnknown(String message, String context) {
        return write(g -> {
            g.writeStringField("result", WebSocketError.UNKNOWN_ERROR.sendResult());
            g.writeStringField("errorMsg", message == null ? WebSocketError.UNKNOWN_ERROR.description() : message);
            g.writeStringField("outcome", "unknown");
            writeResultTail(g, null, context);
        });
    }

    /**
     * @param m the message
     * @return the pushed message frame, with {@code eventTime} and {@code key} only when set
     */
    public String encodeMessage(DeliveredMessage m) {
        return encodeMessage(m, PayloadFormat.BASE64);
    }

    /**
     * @param m the message
     * @param format the session's payload format: with {@code text} the payload is a JSON string when the bytes
     *     are UTF-8, with {@code json} the JSON value they hold when they parse as one; otherwise (and for a
     *     message delivered still encrypted) it is base64 and the frame says {@code "payloadFormat":"base64"}
     * @return the pushed message frame, with {@code eventTime} and {@code key} only when set
     * @since 2.3.0
     */
    public String encodeMessage(DeliveredMessage m, PayloadFormat format) {
        return encodeMessage(m, format, null);
    }

    /**
     * Finds the frames of an HTTP request body without reading them: the body is one JSON object, or a JSON array
     * of objects, and nothing else.
     *
     * @param body the whole body
     * @param maxFrames how many frames an array may hold
     * @return where each frame is
     * @throws IllegalArgumentException with a plain reason (for a 400 answer) when the body is not of that shape,
     *     not JSON, or holds more than {@code maxFrames} frames
     * @since 2.4.0
     */
    public FrameSpans splitFrames(byte[] body, int maxFrames) {
        List<int[]> spans = new ArrayList<>();
        boolean array;
        try (JsonParser p = json.createParser(body)) {
            JsonToken first = p.nextToken();
            array = first == JsonToken.START_ARRAY;
            JsonToken t = array ? p.nextToken() : first;
            while (t != null && !(array && t == JsonToken.END_ARRAY)) {
                if (t != JsonToken.START_OBJECT) {
                    throw new IllegalArgumentException(
                            array
                                    ? "every element of the array must be a frame (a JSON object)"
                                    : "the body must be a frame (a JSON object) or an array of frames");
                }
                if (spans.size() == maxFrames) {
                    throw new IllegalArgumentException("more than " + maxFrames + " frames in one request");
                }
                int start = (int) p.getTokenLocation().getByteOffset();
                p.skipChildren();
                int end = (int) p.getTokenLocation().getByteOffset() + 1;
                spans.add(new int[] {start, end - start});
                if (!array) {
                    break;
                }
                t = p.nextToken();
            }
            if (t == null) {
                throw new IllegalArgumentException(
                        array ? "the array of frames is not closed" : "the body must be a frame or an array of frames");
            }
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("nothing may follow the frame or the array of frames");
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("the body cannot be read: " + e.getMessage());
        }
        int[] offsets = new int[spans.size()];
        int[] lengths = new int[spans.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = spans.get(i)[0];
            lengths[i] = spans.get(i)[1];
        }
        return new FrameSpans(array, offsets, lengths);
    }

    /**
     * A message of a topic with an Avro schema, for a session with {@code payloadFormat=json}.
     *
     * @param m the message, with its payload as stored (Avro binary)
     * @param decoded the value as compact JSON text ({@link AvroJson#toJson}), written as it is; or null when the
     *     payload did not decode, which is then base64 and the frame says {@code "payloadFormat":"base64"}
     * @return the pushed message frame
     * @since 2.4.0
     */
    public String encodeDecodedMessage(DeliveredMessage m, byte[] decoded) {
        return encodeMessage(m, PayloadFormat.JSON, decoded == null ? NOT_DECODED : decoded);
    }

    /** Marks a payload that did not decode with its topic's schema (compared by reference). */
    private static final byte[] NOT_DECODED = new byte[0];

    private String encodeMessage(DeliveredMessage m, PayloadFormat format, byte[] decoded) {
        return write(g -> {
            g.writeStringField("messageId", m.messageId());
            g.writeFieldName("payload");
            boolean written;
            if (decoded != null && decoded != NOT_DECODED && m.encryption() == null) {
                g.writeRawValue(new String(decoded, StandardCharsets.UTF_8));
                written = true;
            } else {
                written = format != PayloadFormat.BASE64
                        && decoded == null
                        && m.encryption() == null
                        && writePayload(g, m.payload(), format);
            }
            if (!written) {
                g.writeBinary(m.payload());
                if (format != PayloadFormat.BASE64) {
                    g.writeStringField("payloadFormat", PayloadFormat.BASE64.parameterValue());
                }
            }
            g.writeObjectFieldStart("properties");
            for (Map.Entry<String, String> e : m.properties().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeStringField("publishTime", publishTimes.format(m.publishTime()));
            g.writeNumberField("redeliveryCount", m.redeliveryCount());
            if (m.eventTime() > 0) {
                g.writeStringField("eventTime", eventTimes.format(m.eventTime()));
            }
            if (m.key() != null) {
                g.writeStringField("key", m.key());
            }
            if (m.encryption() != null) {
                writeEncryption(g, m.encryption());
            }
        });
    }

    /**
     * Writes a payload as text or as the JSON value it holds.
     *
     * @return false, having written nothing, when the bytes are not UTF-8 (text) or not one JSON value (json)
     */
    private boolean writePayload(JsonGenerator g, byte[] payload, PayloadFormat format) throws IOException {
        String text = Utf8Text.decode(payload);
        if (text == null) {
            return false;
        }
        if (format == PayloadFormat.TEXT) {
            g.writeString(text);
            return true;
        }
        // copied into a buffer first: a value that breaks half-way, or is followed by more, must not be half-written
        byte[] compact;
        try (JsonParser p = json.createParser(payload)) {
            if (p.nextToken() == null) {
                return false;
            }
            compact = compactJson(p);
            if (p.nextToken() != null) {
                return false; // more than one value
            }
        } catch (JsonProcessingException e) {
            return false;
        }
        g.writeRawValue(new String(compact, StandardCharsets.UTF_8));
        return true;
    }

    private static void writeEncryption(JsonGenerator g, EncryptionInfo e) throws IOException {
        g.writeObjectFieldStart("encryptionContext");
        g.writeObjectFieldStart("keys");
        for (Map.Entry<String, EncryptionInfo.Key> k : e.keys().entrySet()) {
            g.writeObjectFieldStart(k.getKey());
            g.writeFieldName("keyValue");
            g.writeBinary(k.getValue().keyValue());
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> md : k.getValue().metadata().entrySet()) {
                g.writeStringField(md.getKey(), md.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeFieldName("param");
        g.writeBinary(e.param());
        if (e.algorithm() != null) {
            g.writeStringField("algorithm", e.algorithm());
        }
        g.writeStringField("compressionType", e.compressionType());
        g.writeNumberField("uncompressedMessageSize", e.uncompressedMessageSize());
        if (e.batchSize() != null) {
            g.writeNumberField("batchSize", e.batchSize());
        }
        g.writeEndObject();
    }

    /**
     * Reports that a consumer command this gateway adds to the protocol ({@code ackCumulative}, {@code seek})
     * failed; Pulsar's consumer commands have no answer frame.
     *
     * @param command the command's {@code type}
     * @param error the API error
     * @param message a short reason
     * @return {@code {"type":"error","command":...,"errorCode":N,"errorMsg":...}}
     */
    public String encodeCommandError(String command, WebSocketError error, String message) {
        return write(g -> {
            g.writeStringField("type", "error");
            g.writeStringField("command", command);
            g.writeNumberField("errorCode", error.code());
            g.writeStringField("errorMsg", message);
        });
    }

    /**
     * @param endOfTopic whether the topic is terminated and fully consumed
     * @return {@code {"endOfTopic":true|false}}
     */
    public String encodeEndOfTopic(boolean endOfTopic) {
        return write(g -> g.writeBooleanField("endOfTopic", endOfTopic));
    }

    private static ConsumerCommand.Type commandType(String type) {
        if (type == null) {
            return ConsumerCommand.Type.ACK;
        }
        return switch (type) {
            case "negativeAcknowledge" -> ConsumerCommand.Type.NEGATIVE_ACKNOWLEDGE;
            case "permit" -> ConsumerCommand.Type.PERMIT;
            case "unsubscribe" -> ConsumerCommand.Type.UNSUBSCRIBE;
            case "isEndOfTopic" -> ConsumerCommand.Type.IS_END_OF_TOPIC;
            case "ackCumulative" -> ConsumerCommand.Type.ACK_CUMULATIVE;
            case "seek" -> ConsumerCommand.Type.SEEK;
            default -> ConsumerCommand.Type.ACK; // Pulsar treats any other type as an ack
        };
    }

    private static void writeResultTail(JsonGenerator g, String errorMsg, String context) throws IOException {
        if (errorMsg != null) {
            g.writeStringField("errorMsg", errorMsg);
        }
        if (context != null) {
            g.writeStringField("context", context);
        }
        g.writeNumberField("errorCode", 0);
        g.writeNumberField("schemaVersion", 0);
    }

    private static long parseEventTime(String eventTime, String context) throws FrameException {
        if (eventTime == null || eventTime.isEmpty()) {
            return 0;
        }
        try {
            return OffsetDateTime.parse(eventTime, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant()
                    .toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new FrameException(
                    WebSocketError.PAYLOAD_ENCODING_ERROR,
                    "eventTime is not an ISO-8601 offset date-time: " + eventTime,
                    context);
        }
    }

    private static void expectObject(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("a frame must be a JSON object");
        }
    }

    private static void expectEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new IllegalArgumentException("unexpected content after the JSON object");
        }
    }

    private static String scalarText(JsonParser p, JsonToken value, String field) throws IOException {
        return switch (value) {
            case VALUE_NULL -> null;
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> p.getText();
            default -> throw new IllegalArgumentException(field + " must be a string");
        };
    }

    private static long longValue(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        if (value == JsonToken.VALUE_STRING) {
            try {
                return Long.parseLong(p.getText().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + " must be an integer");
            }
        }
        throw new IllegalArgumentException(field + " must be an integer");
    }

    private static Map<String, String> stringMap(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (value != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException(field + " must be an object of strings");
        }
        Map<String, String> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String text = scalarText(p, p.nextToken(), field + "." + name);
            if (text != null) {
                map.put(name, text);
            }
        }
        return Collections.unmodifiableMap(map);
    }

    private static List<String> stringList(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.START_ARRAY) {
            throw new IllegalArgumentException(field + " must be an array of strings");
        }
        List<String> list = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String text = scalarText(p, t, field);
            if (text != null) {
                list.add(text);
            }
        }
        return List.copyOf(list);
    }

    private static FrameException deserialize(String reason) {
        return new FrameException(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, reason, null);
    }

    /** Jackson's messages carry a source location suffix; the first line is what a client needs. */
    private static String brief(Exception e) {
        String m = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON.description();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** @return true if a JSON string writer leaves {@code s} as it is (no quote, backslash or control character) */
    static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private String write(Body body) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }
}
