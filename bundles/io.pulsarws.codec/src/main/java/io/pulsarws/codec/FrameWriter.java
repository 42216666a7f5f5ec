package io.pulsarws.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes the frames the gateway sends: send results, pushed messages, command errors, end-of-topic answers. */
final class FrameWriter {
    /** Marks a payload that did not decode with its topic's schema (compared by reference). */
    static final byte[] NOT_DECODED = new byte[0];

    private final JsonFactory json;
    /** The delivered messages' times, each kept apart: publish times and event times come from different seconds. */
    private final IsoMillis publishTimes = new IsoMillis();

    private final IsoMillis eventTimes = new IsoMillis();

    FrameWriter(JsonFactory json) {
        this.json = json;
    }

    /** @see FrameCodec#encodeSendOk */
    String sendOk(String messageId, String context) {
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

    /** @see FrameCodec#encodeSendError */
    String sendError(WebSocketError error, String message, String context) {
        return write(g -> {
            g.writeStringField("result", error.sendResult());
            writeResultTail(g, message == null ? error.description() : message, context);
        });
    }

    /** @see FrameCodec#encodeSendUnknown */
    String sendUnknown(String message, String context) {
        return write(g -> {
            g.writeStringField("result", WebSocketError.UNKNOWN_ERROR.sendResult());
            g.writeStringField("errorMsg", message == null ? WebSocketError.UNKNOWN_ERROR.description() : message);
            g.writeStringField("outcome", "unknown");
            writeResultTail(g, null, context);
        });
    }

    /**
     * @see FrameCodec#encodeMessage(DeliveredMessage, PayloadFormat)
     * @see FrameCodec#encodeDecodedMessage
     */
    String message(DeliveredMessage m, PayloadFormat format, byte[] decoded) {
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
            compact = FrameInput.compactJson(json, p);
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

    /** @see FrameCodec#encodeCommandError */
    String commandError(String command, WebSocketError error, String message) {
        return write(g -> {
            g.writeStringField("type", "error");
            g.writeStringField("command", command);
            g.writeNumberField("errorCode", error.code());
            g.writeStringField("errorMsg", message);
        });
    }

    /** @see FrameCodec#encodeEndOfTopic */
    String endOfTopic(boolean endOfTopic) {
        return write(g -> g.writeBooleanField("endOfTopic", endOfTopic));
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
