package io.pulsarws.codec;

import io.pulsarws.codec.internal.avro.AvroMapping;
import java.util.Objects;

/**
 * Maps between natural JSON values and the Avro binary encoding, for a schema given as an Avro schema definition:
 * the JSON text Pulsar stores as the definition of its {@code AVRO} and {@code JSON} schema types. This is a small
 * implementation of our own over Jackson's streaming API; no Avro library is needed at run time.
 *
 * <table>
 * <caption>The mapping</caption>
 * <tr><th>Avro</th><th>JSON</th></tr>
 * <tr><td>null</td><td>{@code null}</td></tr>
 * <tr><td>boolean</td><td>{@code true} or {@code false}</td></tr>
 * <tr><td>int, long</td><td>an integer within the type's range; a number with a fraction or exponent
 *     ({@code 1.0}, {@code 1e3}) is refused</td></tr>
 * <tr><td>float, double</td><td>any number (rounded to the nearest value of the type), or the string {@code "NaN"},
 *     {@code "Infinity"} or {@code "-Infinity"}, which are also written for those values</td></tr>
 * <tr><td>string</td><td>a string</td></tr>
 * <tr><td>bytes</td><td>a base64 string: standard alphabet, with padding</td></tr>
 * <tr><td>fixed</td><td>a base64 string of exactly {@code size} bytes</td></tr>
 * <tr><td>enum</td><td>its symbol, as a string</td></tr>
 * <tr><td>array</td><td>an array</td></tr>
 * <tr><td>map</td><td>an object</td></tr>
 * <tr><td>record</td><td>an object: written with the fields in schema order; read in any order, where a field
 *     absent from the object takes its {@code default} (for a union, a value of its first branch) or, if it has none
 *     and its type is a union with {@code null}, null; any other absent field, a field not in the schema and a key
 *     given twice are refused</td></tr>
 * <tr><td>union</td><td>the value itself, unwrapped: read as the first branch, in schema order, that it fits;
 *     written as its branch writes it</td></tr>
 * <tr><td>decimal (bytes or fixed)</td><td>a number, written as plain decimal text with the schema's scale
 *     ({@code 12.30} for scale 2); read from a number or a numeric string with at most the schema's scale (more
 *     decimal places are refused unless they are zeros) and at most its precision</td></tr>
 * <tr><td>uuid (string)</td><td>a string; read only in the 8-4-4-4-12 hex digit form</td></tr>
 * <tr><td>date, time-millis, time-micros, timestamp-millis, timestamp-micros, timestamp-nanos,
 *     local-timestamp-millis, local-timestamp-micros, local-timestamp-nanos</td><td>the underlying int or long,
 *     unconverted</td></tr>
 * </table>
 *
 * <p>Other logical types, and a decimal whose attributes are invalid, are ignored as Avro ignores them: the
 * underlying type applies. Named types may be referenced by their full name or by their name in the enclosing
 * namespace, and records may be recursive; {@code aliases}, {@code doc} and {@code order} are ignored. The Avro
 * binary encoding is the specification's: zig-zag varints, little-endian IEEE floats, length-prefixed bytes and
 * strings, arrays and maps in blocks (written as one block; a block with a negative count and a byte size is read).
 *
 * <p>Bounds, since the JSON comes from clients and the Avro from the broker: definitions longer than 1 MiB, types
 * nested deeper than 64 levels and decimals of more than 1000 digits are not supported; JSON input nested deeper than
 * 64 levels is refused, as is input whose Avro encoding would be longer than 1 MiB plus 16 times the input's length
 * (absent fields with large defaults); Avro data that is nested deeper than 64 levels, has strings that are not
 * UTF-8, or would need more than 16 + 8 × its length JSON tokens (plus the tokens of the schema's fixed skeleton) is
 * not decoded. Every length in Avro data is checked against the bytes left before anything is allocated for it.
 *
 * <p>Instances are immutable and thread-safe; parse a definition once and reuse the instance. The mapping itself is
 * the bundle's private package {@code io.pulsarws.codec.internal.avro}, one part per file.
 *
 * @since 2.4.0
 */
public final class AvroJson {
    private final String definition;
    private final AvroMapping mapping;

    private AvroJson(String definition, AvroMapping mapping) {
        this.definition = definition;
        this.mapping = mapping;
    }

    /**
     * Parses a definition.
     *
     * @param definition an Avro schema definition: a record, any other type, or a primitive type's name as a JSON
     *     string (e.g. {@code "string"})
     * @return the schema, to map values with
     * @throws IllegalArgumentException with a plain message if it is not a schema this class supports
     */
    public static AvroJson parse(String definition) {
        return new AvroJson(definition, AvroMapping.parse(Objects.requireNonNull(definition, "definition")));
    }

    /**
     * Checks that a JSON value fits the schema and returns its Avro binary encoding.
     *
     * @param json the value as UTF-8 JSON text, e.g. compact JSON
     * @param offset where the text starts in {@code json}
     * @param length the text's length in bytes
     * @return the value's Avro binary encoding
     * @throws IllegalArgumentException whose message says where and why, e.g. {@code $.address.zip: expected int,
     *     not a string}, {@code $: field 'age' is required} or {@code $: field 'x' is not in the schema}
     */
    public byte[] toAvro(byte[] json, int offset, int length) {
        return mapping.toAvro(json, offset, length);
    }

    /**
     * Checks that a JSON value fits the schema, as for Pulsar's JSON-schema topics, which store the JSON itself.
     *
     * @param json the value as UTF-8 JSON text
     * @param offset where the text starts in {@code json}
     * @param length the text's length in bytes
     * @throws IllegalArgumentException as {@link #toAvro}, except that no Avro encoding is made, so its length is not
     *     bounded
     */
    public void check(byte[] json, int offset, int length) {
        mapping.check(json, offset, length);
    }

    /**
     * Decodes Avro binary to JSON. Never throws for bad data.
     *
     * @param avro a value's Avro binary encoding
     * @return its compact UTF-8 JSON text, or null if the bytes do not decode with this schema: wrong or truncated
     *     data, trailing bytes, or more output than the budget allows
     */
    public byte[] toJson(byte[] avro) {
        return mapping.toJson(avro);
    }

    /** @return the schema's definition, as given to {@link #parse} */
    public String definition() {
        return definition;
    }
}
