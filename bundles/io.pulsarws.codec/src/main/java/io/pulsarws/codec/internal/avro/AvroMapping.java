package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.Limits.MAX_DEFINITION_JSON_DEPTH;
import static io.pulsarws.codec.internal.avro.Limits.MAX_DEFINITION_LENGTH;
import static io.pulsarws.codec.internal.avro.Limits.OUTPUT_ALLOWANCE;
import static io.pulsarws.codec.internal.avro.Limits.OUTPUT_FACTOR;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * One parsed schema and the three things done with it: JSON to Avro binary, a check of JSON alone, Avro binary to
 * JSON. The rules are {@link io.pulsarws.codec.AvroJson}'s, which is this package's only user; each part it calls
 * has one job: {@link JsonTree} reads the JSON, {@link SchemaReader} the definition into {@link Type}s,
 * {@link Defaults} encodes the fields' defaults, {@link Encoder} (with {@link Scalars}) writes a value into an
 * {@link AvroOut}, {@link Decoder} reads one back; {@link Mismatch} and {@link BadAvro} say what did not fit, and
 * {@link Limits} holds every bound. Immutable and thread-safe.
 */
public final class AvroMapping {
    private final Type root;
    private final JsonFactory json;

    private AvroMapping(Type root, JsonFactory json) {
        this.root = root;
        this.json = json;
    }

    /**
     * @param definition an Avro schema definition
     * @return its mapping
     * @throws IllegalArgumentException with a plain message if it is not a schema the mapping supports
     */
    public static AvroMapping parse(String definition) {
        Objects.requireNonNull(definition, "definition");
        if (definition.length() > MAX_DEFINITION_LENGTH) {
            throw new IllegalArgumentException("the schema definition is longer than 1 MiB");
        }
        JsonFactory json = JsonTree.factory();
        Object tree;
        try (JsonParser parser = json.createParser(definition)) {
            tree = JsonTree.readDocument(parser, MAX_DEFINITION_JSON_DEPTH, true);
        } catch (Mismatch e) {
            throw new IllegalArgumentException("schema definition: " + e.describe());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SchemaReader reader = new SchemaReader();
        Type root = reader.type(tree, null, 1);
        for (Field field : reader.fields) {
            Defaults.defaultOf(field, 0);
        }
        return new AvroMapping(root, json);
    }

    /**
     * @return the Avro binary encoding of a UTF-8 JSON value
     * @throws IllegalArgumentException saying where and why the value does not fit
     */
    public byte[] toAvro(byte[] text, int offset, int length) {
        Object value = JsonTree.readClientValue(json, text, offset, length);
        long limit = Math.min(Integer.MAX_VALUE - 16, OUTPUT_ALLOWANCE + OUTPUT_FACTOR * length);
        AvroOut out = new AvroOut(Math.max(16, Math.min(length, 1 << 16)), limit);
        try {
            new Encoder().write(value, root, out);
        } catch (Mismatch e) {
            throw new IllegalArgumentException(e.describe());
        }
        return out.toByteArray();
    }

    /**
     * Checks a UTF-8 JSON value against the schema without encoding it.
     *
     * @throws IllegalArgumentException saying where and why the value does not fit
     */
    public void check(byte[] text, int offset, int length) {
        Object value = JsonTree.readClientValue(json, text, offset, length);
        try {
            new Encoder().write(value, root, AvroOut.sink());
        } catch (Mismatch e) {
            throw new IllegalArgumentException(e.describe());
        }
    }

    /** @return the compact UTF-8 JSON of a value's Avro binary encoding, or null if the bytes do not decode */
    public byte[] toJson(byte[] avro) {
        Objects.requireNonNull(avro, "avro");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.max(32, Math.min(2 * avro.length, 1 << 16)));
        try (JsonGenerator generator = json.createGenerator(buffer)) {
            Decoder decoder = new Decoder(avro, generator, 16L + 8L * avro.length + root.skeleton);
            decoder.value(root, 0);
            if (decoder.position != avro.length) {
                return null;
            }
        } catch (BadAvro e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }
}
