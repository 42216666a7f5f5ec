package io.pulsarws.codec.internal.avro;

/** A field of a record. */
final class Field {
    final String record;
    final String name;
    final Type type;
    /** The default as the definition gives it, or null for none. */
    final Object defaultJson;
    /** The default's Avro encoding, once known. */
    byte[] defaultAvro;

    boolean encodingDefault;

    Field(String record, String name, Type type, Object defaultJson) {
        this.record = record;
        this.name = name;
        this.type = type;
        this.defaultJson = defaultJson;
    }
}
