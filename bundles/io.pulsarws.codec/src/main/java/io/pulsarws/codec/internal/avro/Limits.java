package io.pulsarws.codec.internal.avro;

/** Every bound of the mapping, in one place: the JSON and Avro it reads come from clients and brokers. */
final class Limits {
    /** Longest definition {@link AvroMapping#parse} reads, in chars. */
    static final int MAX_DEFINITION_LENGTH = 1 << 20;
    /** Deepest nesting of types in a definition, of JSON input and of decoded values. */
    static final int MAX_DEPTH = 64;
    /** Deepest nesting of a definition's JSON text: room for {@link #MAX_DEPTH} types and their defaults. */
    static final int MAX_DEFINITION_JSON_DEPTH = 5 * MAX_DEPTH;
    /** Deepest recursion while encoding a definition's defaults (a default may use other fields' defaults). */
    static final int MAX_DEFAULT_DEPTH = 1000;
    /** Most digits of a decimal. */
    static final int MAX_DECIMAL_PRECISION = 1000;
    /** Most JSON tokens counted for the fixed skeleton of a schema, in the output budget of {@link AvroMapping#toJson}. */
    static final int MAX_SKELETON = 1 << 16;
    /** Avro output allowed beyond {@link #OUTPUT_FACTOR} times the JSON input's length. */
    static final long OUTPUT_ALLOWANCE = 1 << 20;
    /** Avro output allowed per byte of JSON input. */
    static final long OUTPUT_FACTOR = 16;
    /** Longest text of the input quoted in a message. */
    static final int MAX_QUOTED = 64;

    private Limits() {}
}
