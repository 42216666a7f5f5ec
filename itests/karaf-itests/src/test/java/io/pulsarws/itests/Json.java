package io.pulsarws.itests;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a JSON text into maps, lists, strings, numbers and booleans, for assertions; writes flat objects. */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String text) throws IOException {
        try (JsonParser p = FACTORY.createParser(text)) {
            return (Map<String, Object>) value(p, p.nextToken());
        }
    }

    /** @return any JSON value: a map, a list, a string, a long, a double, a boolean or null */
    static Object any(String text) throws IOException {
        try (JsonParser p = FACTORY.createParser(text)) {
            return value(p, p.nextToken());
        }
    }

    /** @return a JSON object of string, number, boolean and (nested) object values */
    @SuppressWarnings("unchecked")
    static String write(Map<String, ?> object) throws IOException {
        java.io.StringWriter out = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, ?> e : object.entrySet()) {
                Object v = e.getValue();
                if (v instanceof Number) {
                    g.writeNumberField(e.getKey(), ((Number) v).longValue());
                } else if (v instanceof Boolean) {
                    g.writeBooleanField(e.getKey(), (Boolean) v);
                } else if (v instanceof Map) {
                    g.writeFieldName(e.getKey());
                    g.writeRawValue(write((Map<String, ?>) v));
                } else {
                    g.writeStringField(e.getKey(), String.valueOf(v));
                }
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                JsonToken n;
                while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
                    l.add(value(p, n));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return true;
            case VALUE_FALSE:
                return false;
            default:
                return null;
        }
    }
}
