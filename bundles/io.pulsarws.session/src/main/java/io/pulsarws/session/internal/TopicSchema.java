package io.pulsarws.session.internal;

import io.pulsarws.codec.AvroJson;
import org.apache.pulsar.common.schema.SchemaType;

/**
 * What a {@code payloadFormat=json} session does with the values of a topic that has a schema. AVRO: a producer's
 * JSON value is checked against the schema and stored as Avro binary, and a delivered message is decoded to JSON.
 * JSON: a producer's value is checked against the schema and stored as it is; delivered messages are JSON already.
 * Any other schema, or none: values are bytes, as with every other payload format.
 */
final class TopicSchema {
    static final TopicSchema NONE = new TopicSchema(null, null);

    private final SchemaType type;
    private final AvroJson avro;

    TopicSchema(SchemaType type, AvroJson avro) {
        this.type = type;
        this.avro = avro;
    }

    /** @return AVRO, JSON, or null when the topic's values are bytes to this gateway */
    SchemaType type() {
        return type;
    }

    /**
     * @param json a producer's value, compact JSON
     * @return the bytes to store
     * @throws IllegalArgumentException with a plain reason when the value does not fit the schema
     */
    byte[] produce(byte[] json) {
        if (type == SchemaType.AVRO) {
            return avro.toAvro(json, 0, json.length);
        }
        if (type == SchemaType.JSON) {
            avro.check(json, 0, json.length);
        }
        return json;
    }

    /** @return true when delivered messages are decoded ({@link #toJson}): an Avro schema */
    boolean decodes() {
        return type == SchemaType.AVRO;
    }

    /**
     * @param data a message's bytes
     * @return its value as compact JSON text, or null when the bytes do not decode with the schema (the frame then
     *     carries them as base64 and says so, so nothing is lost)
     */
    byte[] toJson(byte[] data) {
        return avro.toJson(data);
    }
}
