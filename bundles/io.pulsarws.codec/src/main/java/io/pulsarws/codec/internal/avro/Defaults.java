package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.JsonTree.asObject;
import static io.pulsarws.codec.internal.avro.JsonTree.jsonKind;
import static io.pulsarws.codec.internal.avro.Limits.MAX_DEFAULT_DEPTH;
import static io.pulsarws.codec.internal.avro.Mismatch.quote;
import static io.pulsarws.codec.internal.avro.Scalars.floatingText;
import static io.pulsarws.codec.internal.avro.Scalars.integer;

import io.pulsarws.codec.internal.avro.JsonTree.JsonNull;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The defaults of a definition's fields, given in Avro's JSON form, encoded once when the definition is read: bytes
 * as ISO-8859-1 text, a union's as a value of its first branch, a record's missing fields from their own defaults.
 */
final class Defaults {
    private Defaults() {}

    /** @return the Avro encoding of a field's default, encoded on first use, or null if it has none */
    static byte[] defaultOf(Field field, int depth) {
        if (field.defaultAvro != null || field.defaultJson == null) {
            return field.defaultAvro;
        }
        String which = "the default of field " + quote(field.name) + " of record " + field.record;
        if (field.encodingDefault) {
            throw new IllegalArgumentException(which + " needs itself");
        }
        if (depth > MAX_DEFAULT_DEPTH) {
            throw new IllegalArgumentException(which + " is nested too deeply");
        }
        field.encodingDefault = true;
        AvroOut out = new AvroOut(16, Integer.MAX_VALUE - 16);
        try {
            encodeDefault(field.type, field.defaultJson, out, depth + 1);
        } catch (Mismatch e) {
            String where = e.describe();
            throw new IllegalArgumentException(
                    which + " is invalid: " + (where.startsWith("$: ") ? where.substring(3) : where));
        }
        field.encodingDefault = false;
        field.defaultAvro = out.toByteArray();
        return field.defaultAvro;
    }

    /** Encodes a default given in Avro's JSON form: bytes as ISO-8859-1 text, a union's as its first branch's. */
    static void encodeDefault(Type type, Object value, AvroOut out, int depth) {
        if (depth > MAX_DEFAULT_DEPTH) {
            throw new Mismatch("nested too deeply");
        }
        String expected = "expected " + type.kind.name().toLowerCase(Locale.ROOT) + ", not " + jsonKind(value);
        switch (type.kind) {
            case NULL:
                if (value != JsonNull.NULL) {
                    throw new Mismatch(expected);
                }
                return;
            case BOOLEAN:
                if (!(value instanceof Boolean)) {
                    throw new Mismatch(expected);
                }
                out.write((Boolean) value ? 1 : 0);
                return;
            case INT:
                out.writeLong(integer(type, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
                return;
            case LONG:
                out.writeLong(integer(type, value, Long.MIN_VALUE, Long.MAX_VALUE));
                return;
            case FLOAT:
                out.writeFloat(Float.parseFloat(floatingText(type, value)));
                return;
            case DOUBLE:
                out.writeDouble(Double.parseDouble(floatingText(type, value)));
                return;
            case STRING:
                if (!(value instanceof String)) {
                    throw new Mismatch(expected);
                }
                out.writeString((String) value);
                return;
            case BYTES:
            case FIXED:
                if (!(value instanceof String)) {
                    throw new Mismatch(expected);
                }
                String text = (String) value;
                byte[] bytes = new byte[text.length()];
                for (int i = 0; i < bytes.length; i++) {
                    if (text.charAt(i) > 0xFF) {
                        throw new Mismatch("a character above \\u00ff in bytes");
                    }
                    bytes[i] = (byte) text.charAt(i);
                }
                if (type.kind == Kind.BYTES) {
                    out.writeBytes(bytes);
                } else if (bytes.length != type.size) {
                    throw new Mismatch(
                            "expected " + type.size + " bytes for " + type.describe() + ", not " + bytes.length);
                } else {
                    out.writeRaw(bytes);
                }
                return;
            case ENUM:
                Integer index = value instanceof String ? type.symbolIndex.get(value) : null;
                if (index == null) {
                    throw new Mismatch("expected a symbol of " + type.describe());
                }
                out.writeLong(index);
                return;
            case ARRAY:
                if (!(value instanceof List)) {
                    throw new Mismatch(expected);
                }
                List<?> items = (List<?>) value;
                if (!items.isEmpty()) {
                    out.writeLong(items.size());
                    for (int i = 0; i < items.size(); i++) {
                        try {
                            encodeDefault(type.items, items.get(i), out, depth + 1);
                        } catch (Mismatch e) {
                            throw e.under(i);
                        }
                    }
                }
                out.writeLong(0);
                return;
            case MAP:
                if (!(value instanceof Map)) {
                    throw new Mismatch(expected);
                }
                Map<String, Object> entries = asObject(value);
                if (!entries.isEmpty()) {
                    out.writeLong(entries.size());
                    for (Map.Entry<String, Object> entry : entries.entrySet()) {
                        try {
                            out.writeString(entry.getKey());
                            encodeDefault(type.items, entry.getValue(), out, depth + 1);
                        } catch (Mismatch e) {
                            throw e.under(entry.getKey());
                        }
                    }
                }
                out.writeLong(0);
                return;
            case RECORD:
                if (!(value instanceof Map)) {
                    throw new Mismatch(expected);
                }
                Map<String, Object> object = asObject(value);
                for (Field field : type.fields) {
                    if (object.containsKey(field.name)) {
                        try {
                            encodeDefault(field.type, object.get(field.name), out, depth + 1);
                        } catch (Mismatch e) {
                            throw e.under(field.name);
                        }
                    } else {
                        byte[] fieldDefault = defaultOf(field, depth + 1);
                        if (fieldDefault == null) {
                            throw new Mismatch("field " + quote(field.name) + " is missing and has no default");
                        }
                        out.writeRaw(fieldDefault);
                    }
                }
                return;
            case UNION:
                if (type.branches.length == 0) {
                    throw new Mismatch("an empty union has no values");
                }
                out.writeLong(0);
                encodeDefault(type.branches[0], value, out, depth + 1);
                return;
            default:
                throw new IllegalStateException(type.kind.name());
        }
    }
}
