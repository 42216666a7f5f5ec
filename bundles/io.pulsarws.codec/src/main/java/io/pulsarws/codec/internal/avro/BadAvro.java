package io.pulsarws.codec.internal.avro;

/** Avro data that does not decode with the schema: wrong, truncated or over budget; cheap, without a stack trace. */
final class BadAvro extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadAvro() {
        super(null, null, false, false);
    }
}
