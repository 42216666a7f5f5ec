package io.pulsarws.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a client's frame is opened and its fields read, for every frame kind: the one place that decides whether
 * Jackson reads a frame's bytes or its text, and the coercions of Pulsar's service (a number or boolean where a
 * string is expected is its text; an integer may be a numeric string).
 */
final class FrameInput {
    private FrameInput() {}

    /** Opens a parser over a frame. */
    @FunctionalInterface
    interface Frame {
        JsonParser open(JsonFactory factory) throws IOException;
    }

    /** @return a frame of text */
    static Frame text(String text) {
        return f -> f.createParser(text);
    }

    /** @return the parser of a frame's bytes, or of their text where Jackson would read the bytes otherwise */
    static Frame frame(byte[] utf8, int offset, int length) {
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
    static boolean readAsText(byte[] utf8, int offset, int length) {
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

    /** @return the JSON value the parser stands on, written compactly as UTF-8 */
    static byte[] compactJson(JsonFactory json, JsonParser p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = json.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.toByteArray();
    }

    /** @see FrameCodec#splitFrames */
    static FrameSpans split(JsonFactory json, byte[] body, int maxFrames) {
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

    static void expectObject(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("a frame must be a JSON object");
        }
    }

    static void expectEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new IllegalArgumentException("unexpected content after the JSON object");
        }
    }

    static String scalarText(JsonParser p, JsonToken value, String field) throws IOException {
        return switch (value) {
            case VALUE_NULL -> null;
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> p.getText();
            default -> throw new IllegalArgumentException(field + " must be a string");
        };
    }

    static long longValue(JsonParser p, JsonToken value, String field) throws IOException {
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

    static Map<String, String> stringMap(JsonParser p, JsonToken value, String field) throws IOException {
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

    static List<String> stringList(JsonParser p, JsonToken value, String field) throws IOException {
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

    static FrameException deserialize(String reason) {
        return new FrameException(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, reason, null);
    }

    /** Jackson's messages carry a source location suffix; the first line is what a client needs. */
    static String brief(Exception e) {
        String m = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON.description();
        }
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
