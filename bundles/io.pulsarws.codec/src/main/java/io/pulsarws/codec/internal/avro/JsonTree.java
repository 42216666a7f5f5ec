package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.Limits.MAX_DEPTH;
import static io.pulsarws.codec.internal.avro.Mismatch.quote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Reads JSON text into a tree of maps, lists, strings, {@link Num}s, booleans and {@link JsonNull}, with bounds. */
final class JsonTree {
    private JsonTree() {}

    static JsonFactory factory() {
        // no symbol table for names: they come from clients and need not be shared
        return JsonFactory.builder()
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .build();
    }

    /** A JSON {@code null} in a tree, where Java's null would be ambiguous. */
    enum JsonNull {
        NULL
    }

    /** A JSON number in a tree: its text, and whether it has neither fraction nor exponent. */
    record Num(String text, boolean integral) {}

    /** @return the tree of a JSON value from client bytes; its objects are maps, its arrays lists */
    static Object readClientValue(JsonFactory json, byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        // Jackson skips a byte-order mark and reads a zero byte in the first four as UTF-16 or UTF-32: neither
        // is UTF-8 JSON text
        boolean bom = length >= 3
                && bytes[offset] == (byte) 0xEF
                && bytes[offset + 1] == (byte) 0xBB
                && bytes[offset + 2] == (byte) 0xBF;
        for (int i = offset; i < offset + Math.min(4, length); i++) {
            bom |= bytes[i] == 0;
        }
        if (bom) {
            throw new IllegalArgumentException("$: malformed JSON: not UTF-8 JSON text");
        }
        try (JsonParser parser = json.createParser(bytes, offset, length)) {
            return readDocument(parser, MAX_DEPTH, false);
        } catch (Mismatch e) {
            throw new IllegalArgumentException(e.describe());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Object readDocument(JsonParser parser, int maxDepth, boolean lastKeyWins) throws IOException {
        try {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new Mismatch("malformed JSON: no value");
            }
            Object value = readValue(parser, token, 0, maxDepth, lastKeyWins);
            if (parser.nextToken() != null) {
                throw new Mismatch("malformed JSON: more than one value");
            }
            return value;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new Mismatch("malformed JSON" + where + ": " + e.getOriginalMessage());
        }
    }

    static Object readValue(JsonParser parser, JsonToken token, int depth, int maxDepth, boolean lastKeyWins)
            throws IOException {
        switch (token) {
            case START_OBJECT: {
                if (depth >= maxDepth) {
                    throw new Mismatch("nested deeper than " + maxDepth + " levels");
                }
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    Object value;
                    try {
                        value = readValue(parser, parser.nextToken(), depth + 1, maxDepth, lastKeyWins);
                    } catch (Mismatch e) {
                        throw e.under(name);
                    }
                    if (object.put(name, value) != null && !lastKeyWins) {
                        throw new Mismatch("key " + quote(name) + " appears twice");
                    }
                }
                return object;
            }
            case START_ARRAY: {
                if (depth >= maxDepth) {
                    throw new Mismatch("nested deeper than " + maxDepth + " levels");
                }
                List<Object> array = new ArrayList<>();
                for (JsonToken next = parser.nextToken();
                        next != JsonToken.END_ARRAY && next != null;
                        next = parser.nextToken()) {
                    int index = array.size();
                    try {
                        array.add(readValue(parser, next, depth + 1, maxDepth, lastKeyWins));
                    } catch (Mismatch e) {
                        throw e.under(index);
                    }
                }
                return array;
            }
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                return new Num(parser.getText(), true);
            case VALUE_NUMBER_FLOAT:
                return new Num(parser.getText(), false);
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return JsonNull.NULL;
            default:
                throw new Mismatch("malformed JSON: unexpected " + token);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asObject(Object value) {
        return (Map<String, Object>) value;
    }

    static String jsonKind(Object value) {
        if (value == JsonNull.NULL) {
            return "null";
        } else if (value instanceof Boolean) {
            return "a boolean";
        } else if (value instanceof Num) {
            return "a number";
        } else if (value instanceof String) {
            return "a string";
        } else if (value instanceof List) {
            return "an array";
        }
        return "an object";
    }
}
