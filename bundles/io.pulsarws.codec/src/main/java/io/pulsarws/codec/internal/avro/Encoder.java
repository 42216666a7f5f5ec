package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.JsonTree.asObject;
import static io.pulsarws.codec.internal.avro.JsonTree.jsonKind;
import static io.pulsarws.codec.internal.avro.Mismatch.quote;
import static io.pulsarws.codec.internal.avro.Scalars.base64;
import static io.pulsarws.codec.internal.avro.Scalars.fixedBytes;
import static io.pulsarws.codec.internal.avro.Scalars.floatingText;
import static io.pulsarws.codec.internal.avro.Scalars.integer;
import static io.pulsarws.codec.internal.avro.Scalars.isUuid;
import static io.pulsarws.codec.internal.avro.Scalars.unscaled;

import io.pulsarws.codec.internal.avro.JsonTree.JsonNull;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One mapping of a JSON value: remembers which containers fit which union branches, so no work repeats. */
final class Encoder {
    private final AvroOut sink = AvroOut.sink();
    private Map<Trial, Boolean> fitting;
    /** How many union branches are being tried, whose mismatches need no explanation. */
    private int trials;

    void write(Object value, Type type, AvroOut out) {
        switch (type.kind) {
            case NULL:
                if (value != JsonNull.NULL) {
                    throw expected(type, value);
                }
                return;
            case BOOLEAN:
                if (!(value instanceof Boolean)) {
                    throw expected(type, value);
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
                    throw expected(type, value);
                }
                if (type.uuid && !isUuid((String) value)) {
                    throw new Mismatch("expected a uuid (8-4-4-4-12 hex digits), not " + quote((String) value));
                }
                out.writeString((String) value);
                return;
            case BYTES:
                out.writeBytes(type.decimal ? unscaled(type, value).toByteArray() : base64(type, value));
                return;
            case FIXED:
                byte[] fixed;
                if (type.decimal) {
                    fixed = fixedBytes(unscaled(type, value), type.size);
                } else {
                    fixed = base64(type, value);
                    if (fixed.length != type.size) {
                        throw new Mismatch(
                                "expected " + type.size + " bytes for " + type.describe() + ", not " + fixed.length);
                    }
                }
                out.writeRaw(fixed);
                return;
            case ENUM:
                if (!(value instanceof String)) {
                    throw expected(type, value);
                }
                Integer index = type.symbolIndex.get(value);
                if (index == null) {
                    throw new Mismatch(quote((String) value) + " is not a symbol of " + type.describe());
                }
                out.writeLong(index);
                return;
            case ARRAY:
                array(value, type, out);
                return;
            case MAP:
                map(value, type, out);
                return;
            case RECORD:
                record(value, type, out);
                return;
            case UNION:
                union(value, type, out);
                return;
            default:
                throw new IllegalStateException(type.kind.name());
        }
    }

    private void array(Object value, Type type, AvroOut out) {
        if (!(value instanceof List)) {
            throw expected(type, value);
        }
        List<?> items = (List<?>) value;
        if (!items.isEmpty()) {
            out.writeLong(items.size());
            for (int i = 0; i < items.size(); i++) {
                try {
                    write(items.get(i), type.items, out);
                } catch (Mismatch e) {
                    throw e.under(i);
                }
            }
        }
        out.writeLong(0);
    }

    private void map(Object value, Type type, AvroOut out) {
        if (!(value instanceof Map)) {
            throw expected(type, value);
        }
        Map<String, Object> entries = asObject(value);
        if (!entries.isEmpty()) {
            out.writeLong(entries.size());
            for (Map.Entry<String, Object> entry : entries.entrySet()) {
                try {
                    out.writeString(entry.getKey());
                    write(entry.getValue(), type.items, out);
                } catch (Mismatch e) {
                    throw e.under(entry.getKey());
                }
            }
        }
        out.writeLong(0);
    }

    private void record(Object value, Type type, AvroOut out) {
        if (!(value instanceof Map)) {
            throw expected(type, value);
        }
        Map<String, Object> object = asObject(value);
        for (String key : object.keySet()) {
            if (!type.fieldsByName.containsKey(key)) {
                throw new Mismatch("field " + quote(key) + " is not in the schema");
            }
        }
        for (Field field : type.fields) {
            Object fieldValue = object.get(field.name);
            if (fieldValue != null) {
                try {
                    write(fieldValue, field.type, out);
                } catch (Mismatch e) {
                    throw e.under(field.name);
                }
            } else if (field.defaultAvro != null) {
                out.writeRaw(field.defaultAvro);
            } else if (field.type.nullBranch >= 0) {
                out.writeLong(field.type.nullBranch);
            } else if (field.type.kind == Kind.NULL) {
                // absent, and null is the only value it can have: null, which is written as nothing
            } else {
                throw new Mismatch("field " + quote(field.name) + " is required");
            }
        }
    }

    private void union(Object value, Type type, AvroOut out) {
        for (int i = 0; i < type.branches.length; i++) {
            Type branch = type.branches[i];
            if (branch.accepts(value) && fits(value, branch)) {
                if (!out.isSink()) {
                    out.writeLong(i);
                    write(value, branch, out);
                }
                return;
            }
        }
        if (trials > 0) {
            throw new Mismatch("no branch fits");
        }
        // explain with the only branch of the value's kind, if there is one
        Type only = null;
        int candidates = 0;
        for (Type branch : type.branches) {
            if (branch.accepts(value)) {
                only = branch;
                candidates++;
            }
        }
        if (candidates == 1) {
            write(value, only, sink); // throws the branch's own explanation
        }
        throw expected(type, value);
    }

    /** @return whether a value fits a union's branch; known for containers once tried */
    private boolean fits(Object value, Type branch) {
        Trial trial = value instanceof Map || value instanceof List ? new Trial(value, branch) : null;
        if (trial != null && fitting != null) {
            Boolean known = fitting.get(trial);
            if (known != null) {
                return known;
            }
        }
        boolean fits;
        trials++;
        try {
            write(value, branch, sink);
            fits = true;
        } catch (Mismatch e) {
            fits = false;
        } finally {
            trials--;
        }
        if (trial != null) {
            if (fitting == null) {
                fitting = new HashMap<>();
            }
            fitting.put(trial, fits);
        }
        return fits;
    }

    private Mismatch expected(Type type, Object value) {
        if (trials > 0) {
            return new Mismatch("mismatch");
        }
        return new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
    }

    /** A JSON container, by identity, tried against a union branch. */
    private static final class Trial {
        private final Object value;
        private final Type type;

        Trial(Object value, Type type) {
            this.value = value;
            this.type = type;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Trial && ((Trial) other).value == value && ((Trial) other).type == type;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(value) * 31 + System.identityHashCode(type);
        }
    }
}
