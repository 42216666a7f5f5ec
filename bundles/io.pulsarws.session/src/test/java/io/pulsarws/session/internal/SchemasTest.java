package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.pulsar.common.schema.SchemaInfo;
import org.apache.pulsar.common.schema.SchemaType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Schemas}: definitions parsed once for the node, within a bound in entries and in bytes. */
class SchemasTest {
    private final Schemas schemas = new Schemas();

    @AfterEach
    void close() {
        schemas.close();
    }

    private static SchemaInfo info(SchemaType type, String definition) {
        return SchemaInfo.builder()
                .name("t")
                .type(type)
                .schema(definition.getBytes(StandardCharsets.UTF_8))
                .properties(Map.of())
                .build();
    }

    private static String record(int i, int docBytes) {
        return "{\"type\":\"record\",\"name\":\"R" + i + "\",\"doc\":\"" + "d".repeat(docBytes)
                + "\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}";
    }

    @Test
    void aDefinitionIsParsedOnceForEverySession() {
        TopicSchema a = schemas.of(info(SchemaType.AVRO, record(1, 0)));
        TopicSchema b = schemas.of(info(SchemaType.AVRO, record(1, 0)));
        assertEquals(1, schemas.size());
        assertTrue(a.decodes() && b.decodes());
        assertEquals(
                SchemaType.JSON, schemas.of(info(SchemaType.JSON, record(1, 0))).type());
        assertEquals(1, schemas.size(), "the same definition under another type is the same parse");
    }

    @Test
    void keepsAtMostItsBoundInEntriesAndInBytes() {
        for (int i = 0; i < 3 * Schemas.MAX_ENTRIES; i++) {
            schemas.of(info(SchemaType.AVRO, record(i, 0)));
        }
        assertEquals(Schemas.MAX_ENTRIES, schemas.size());
        // 600 KiB each: the 8 MiB bound keeps 13 of them
        for (int i = 0; i < 20; i++) {
            schemas.of(info(SchemaType.AVRO, record(1000 + i, 600 * 1024)));
        }
        assertTrue(schemas.size() <= Schemas.MAX_BYTES / (600 * 1024), "kept " + schemas.size());
    }

    @Test
    void anythingElseIsBytes() {
        assertSame(TopicSchema.NONE, schemas.of(null));
        assertSame(TopicSchema.NONE, schemas.of(info(SchemaType.STRING, "")));
        assertSame(TopicSchema.NONE, schemas.of(info(SchemaType.AVRO, "{\"type\":\"nonsense\"}")));
        assertFalse(TopicSchema.NONE.decodes());
        byte[] value = "{\"any\":1}".getBytes(StandardCharsets.UTF_8);
        assertSame(value, TopicSchema.NONE.produce(value));
        assertEquals(0, schemas.size());
    }
}
