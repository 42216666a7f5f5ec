package io.pulsarws.codec.internal.avro;

/** The kinds of Avro types (the primitive, complex and named ones; logical types are attributes of {@link Type}). */
enum Kind {
    NULL,
    BOOLEAN,
    INT,
    LONG,
    FLOAT,
    DOUBLE,
    BYTES,
    STRING,
    RECORD,
    ENUM,
    ARRAY,
    MAP,
    UNION,
    FIXED
}
