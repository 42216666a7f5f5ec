package io.pulsarws.codec;

import static io.pulsarws.codec.FrameInput.brief;
import static io.pulsarws.codec.FrameInput.expectEnd;
import static io.pulsarws.codec.FrameInput.expectObject;
import static io.pulsarws.codec.FrameInput.longValue;
import static io.pulsarws.codec.FrameInput.scalarText;
import static io.pulsarws.codec.FrameInput.stringList;
import static io.pulsarws.codec.FrameInput.stringMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.pulsarws.codec.FrameInput.Frame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a producer's send frames (every payload format) and its client-side encryption keys. */
final class SendFrameReader {
    private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

    private final JsonFactory json;

    SendFrameReader(JsonFactory json) {
        this.json = json;
    }

    /** @see FrameCodec#decodeProducerFrame(byte[], int, int, PayloadFormat) */
    ProducerFrame read(byte[] utf8, int offset, int length, PayloadFormat format) throws FrameException {
        if (format != PayloadFormat.BASE64) {
            return read(FrameInput.frame(utf8, offset, length), format);
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
        return read(FrameInput.frame(utf8, offset, length), PayloadFormat.BASE64);
    }

    ProducerFrame read(Frame frame, PayloadFormat format) throws FrameException {
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
                            valueBytes = FrameInput.compactJson(json, p);
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

    /** @see FrameCodec#decodeClientEncryptionKeys */
    Map<String, EncryptionInfo.Key> encryptionKeys(String encryptionKeys) {
        String decoded;
        try {
            decoded = new String(BASE64_DECODER.decode(encryptionKeys.trim()), StandardCharsets.UTF_8);
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
}
