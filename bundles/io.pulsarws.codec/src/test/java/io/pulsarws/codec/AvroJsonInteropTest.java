package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Holds {@link AvroJson} against Apache Avro, the reference implementation: for generated values of a handful of
 * schemas, the bytes Avro's {@link GenericDatumWriter} writes decode to the value's natural JSON, and that JSON encodes
 * to the very same bytes, which Avro's {@link GenericDatumReader} reads back as the value.
 */
class AvroJsonInteropTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = new JsonFactory();

    /** Unions here are unambiguous: a value's natural JSON fits no branch before its own. */
    private static final String[] DEFINITIONS = {
        "\"null\"",
        "\"boolean\"",
        "\"int\"",
        "\"long\"",
        "\"float\"",
        "\"double\"",
        "\"bytes\"",
        "\"string\"",
        "{\"type\":\"record\",\"name\":\"Primitives\",\"namespace\":\"p\",\"fields\":["
                + "{\"name\":\"n\",\"type\":\"null\"},{\"name\":\"b\",\"type\":\"boolean\"},"
                + "{\"name\":\"i\",\"type\":\"int\"},{\"name\":\"l\",\"type\":\"long\"},"
                + "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
                + "{\"name\":\"by\",\"type\":\"bytes\"},{\"name\":\"s\",\"type\":\"string\"}]}",
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"long\"},"
                + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"
                + "{\"name\":\"status\",\"type\":{\"type\":\"enum\",\"name\":\"Status\","
                + "\"symbols\":[\"NEW\",\"PAID\",\"SHIPPED\"]}},"
                + "{\"name\":\"digest\",\"type\":{\"type\":\"fixed\",\"name\":\"Digest\",\"size\":4}},"
                + "{\"name\":\"blob\",\"type\":\"bytes\"},"
                + "{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Line\","
                + "\"fields\":[{\"name\":\"sku\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":\"int\"},"
                + "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":\"Status\"}}]}}},"
                + "{\"name\":\"extra\",\"type\":[\"null\",\"long\",\"string\",\"Line\","
                + "{\"type\":\"array\",\"items\":\"double\"}]},"
                + "{\"name\":\"attrs\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"boolean\",\"Digest\"]}},"
                + "{\"name\":\"parent\",\"type\":[\"null\",\"Order\"]}]}",
        "{\"type\":\"record\",\"name\":\"Logical\",\"fields\":["
                + "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                + "\"precision\":20,\"scale\":4}},"
                + "{\"name\":\"price\",\"type\":{\"type\":\"fixed\",\"name\":\"Price\",\"size\":5,"
                + "\"logicalType\":\"decimal\",\"precision\":11,\"scale\":2}},"
                + "{\"name\":\"whole\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":3}},"
                + "{\"name\":\"maybe\",\"type\":[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                + "\"precision\":6,\"scale\":6}]},"
                + "{\"name\":\"id\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},"
                + "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
                + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}",
        // recursive and named types: a tree that names itself by its short and its full name, a record of another
        // namespace that refers back, a fixed and an enum named from inside a namespace they are not in
        "{\"type\":\"record\",\"name\":\"Tree\",\"namespace\":\"t\",\"fields\":["
                + "{\"name\":\"value\",\"type\":\"int\"},"
                + "{\"name\":\"left\",\"type\":[\"null\",\"Tree\"]},"
                + "{\"name\":\"right\",\"type\":[\"null\",\"t.Tree\"]},"
                + "{\"name\":\"meta\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Meta\",\"namespace\":\"m\","
                + "\"fields\":[{\"name\":\"hash\",\"type\":{\"type\":\"fixed\",\"name\":\"Hash\",\"size\":3}},"
                + "{\"name\":\"again\",\"type\":\"Hash\"},"
                + "{\"name\":\"color\",\"type\":{\"type\":\"enum\",\"name\":\"c.Color\",\"symbols\":[\"RED\",\"BLUE\"]}},"
                + "{\"name\":\"colors\",\"type\":{\"type\":\"array\",\"items\":\"c.Color\"}},"
                + "{\"name\":\"subtree\",\"type\":[\"null\",\"t.Tree\"]}]}]},"
                + "{\"name\":\"hashes\",\"type\":{\"type\":\"map\",\"values\":\"m.Hash\"}},"
                + "{\"name\":\"color\",\"type\":\"c.Color\"}]}",
        // a union of several records (and other branches), alone, in an array and in a map; a record's JSON fits
        // no branch before its own only because keys a record does not have are refused
        "{\"type\":\"record\",\"name\":\"Event\",\"namespace\":\"u\",\"fields\":["
                + "{\"name\":\"payload\",\"type\":[\"null\","
                + "{\"type\":\"record\",\"name\":\"Touched\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]},"
                + "{\"type\":\"record\",\"name\":\"Created\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
                + "{\"name\":\"name\",\"type\":\"string\"}]},"
                + "{\"type\":\"record\",\"name\":\"Deleted\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
                + "{\"name\":\"reason\",\"type\":{\"type\":\"enum\",\"name\":\"Reason\",\"symbols\":[\"USER\",\"TTL\"]}}]},"
                + "{\"type\":\"record\",\"name\":\"Moved\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
                + "{\"name\":\"from\",\"type\":\"string\"},{\"name\":\"to\",\"type\":[\"null\",\"string\"]}]},"
                + "{\"type\":\"record\",\"name\":\"Empty\",\"fields\":[]},"
                + "\"string\",\"boolean\"]},"
                + "{\"name\":\"history\",\"type\":{\"type\":\"array\",\"items\":[\"Created\",\"Deleted\",\"Moved\"]}},"
                + "{\"name\":\"byKey\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"Moved\",\"Created\"]}}]}",
        // decimals: the widest a fixed of 16 bytes holds, a scale equal to the precision, a large bytes decimal,
        // in arrays, maps and unions
        "{\"type\":\"record\",\"name\":\"Decimals\",\"fields\":["
                + "{\"name\":\"wide\",\"type\":{\"type\":\"fixed\",\"name\":\"Wide\",\"size\":16,"
                + "\"logicalType\":\"decimal\",\"precision\":38}},"
                + "{\"name\":\"fraction\",\"type\":{\"type\":\"fixed\",\"name\":\"Fraction\",\"size\":3,"
                + "\"logicalType\":\"decimal\",\"precision\":6,\"scale\":6}},"
                + "{\"name\":\"big\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                + "\"precision\":60,\"scale\":20}},"
                + "{\"name\":\"prices\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"bytes\","
                + "\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}}},"
                + "{\"name\":\"rates\",\"type\":{\"type\":\"map\",\"values\":\"Fraction\"}},"
                + "{\"name\":\"maybe\",\"type\":[\"null\",\"boolean\",\"Wide\"]}]}",
    };

    private static final Schema[] SCHEMAS = new Schema[DEFINITIONS.length];
    private static final AvroJson[] OURS = new AvroJson[DEFINITIONS.length];

    static {
        for (int i = 0; i < DEFINITIONS.length; i++) {
            SCHEMAS[i] = new Schema.Parser().parse(DEFINITIONS[i]);
            OURS[i] = AvroJson.parse(DEFINITIONS[i]);
        }
    }

    /** Avro's bytes decode to the value's JSON, which encodes to the same bytes, which Avro reads as the value. */
    @Property(tries = 400)
    void valuesRoundTripWithAvro(@ForAll @IntRange(min = 0, max = 13) int which, @ForAll long seed) throws IOException {
        Schema schema = SCHEMAS[which];
        AvroJson ours = OURS[which];
        Object value = new Values(new Random(seed)).of(schema, 0);

        byte[] avro = write(schema, value);
        String expected = natural(schema, value);
        byte[] json = ours.toJson(avro);
        assertNotNull(json, () -> "Avro's bytes of " + expected);
        assertEquals(MAPPER.readTree(expected), MAPPER.readTree(json));

        byte[] expectedJson = expected.getBytes(StandardCharsets.UTF_8);
        byte[] encoded = ours.toAvro(expectedJson, 0, expectedJson.length);
        assertArrayEquals(avro, encoded, expected);
        Object read =
                new GenericDatumReader<>(schema).read(null, DecoderFactory.get().binaryDecoder(encoded, null));
        assertEquals(value, read, expected);
    }

    /** Arbitrary bytes never make it throw; what it decodes encodes back to bytes that decode the same. */
    @Property(tries = 600)
    void arbitraryBytesDecodeConsistently(
            @ForAll @IntRange(min = 0, max = 13) int which, @ForAll @Size(max = 64) byte[] bytes) throws IOException {
        byte[] json = OURS[which].toJson(bytes);
        if (json != null) {
            byte[] again = OURS[which].toAvro(json, 0, json.length);
            assertEquals(MAPPER.readTree(json), MAPPER.readTree(OURS[which].toJson(again)));
            // and Avro reads what we decoded
            new GenericDatumReader<>(SCHEMAS[which])
                    .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        }
    }

    /** A field of every type with a default, as Avro's JSON form gives defaults (bytes as ISO-8859-1 text). */
    private static final String DEFAULTS = "{\"type\":\"record\",\"name\":\"Defaults\",\"namespace\":\"d\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"long\"},"
            + "{\"name\":\"n\",\"type\":\"null\",\"default\":null},"
            + "{\"name\":\"b\",\"type\":\"boolean\",\"default\":true},"
            + "{\"name\":\"i\",\"type\":\"int\",\"default\":-7},"
            + "{\"name\":\"l\",\"type\":\"long\",\"default\":9007199254740993},"
            + "{\"name\":\"f\",\"type\":\"float\",\"default\":1.5},"
            + "{\"name\":\"d\",\"type\":\"double\",\"default\":-0.1},"
            + "{\"name\":\"by\",\"type\":\"bytes\",\"default\":\"\\u00ff\\u0000a\"},"
            + "{\"name\":\"s\",\"type\":\"string\",\"default\":\"d\\u00e9j\\u00e0 \\ud83d\\ude00\"},"
            + "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Level\",\"symbols\":[\"LOW\",\"HIGH\"]},"
            + "\"default\":\"HIGH\"},"
            + "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"Pair\",\"size\":2},\"default\":\"\\u0001\\u00ff\"},"
            + "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"},\"default\":[1,-2,300]},"
            + "{\"name\":\"a0\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[]},"
            + "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"Level\"},\"default\":{\"k\":\"LOW\"}},"
            + "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"Point\",\"fields\":["
            + "{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\",\"default\":4}]},"
            + "\"default\":{\"x\":1}},"
            + "{\"name\":\"u1\",\"type\":[\"null\",\"string\"],\"default\":null},"
            + "{\"name\":\"u2\",\"type\":[\"int\",\"null\"],\"default\":5},"
            + "{\"name\":\"u3\",\"type\":[\"Point\",\"null\"],\"default\":{\"x\":2,\"y\":3}},"
            + "{\"name\":\"u4\",\"type\":[{\"type\":\"array\",\"items\":\"Level\"},\"null\"],"
            + "\"default\":[\"LOW\",\"HIGH\"]},"
            + "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,"
            + "\"scale\":2},\"default\":\"\\u0001\\u0000\"},"
            + "{\"name\":\"fdec\",\"type\":{\"type\":\"fixed\",\"name\":\"Cents\",\"size\":2,\"logicalType\":\"decimal\","
            + "\"precision\":4,\"scale\":2},\"default\":\"\\u00ff\\u0085\"},"
            + "{\"name\":\"uid\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"},"
            + "\"default\":\"123e4567-e89b-12d3-a456-426614174000\"},"
            + "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"},\"default\":0}]}";

    private static final Schema DEFAULTS_SCHEMA = new Schema.Parser().parse(DEFAULTS);
    private static final AvroJson DEFAULTS_OURS = AvroJson.parse(DEFAULTS);

    /**
     * JSON that leaves fields out encodes to the bytes Avro writes for the record with those fields at their
     * defaults, as Avro reads the definition's defaults ({@link GenericData#getDefaultValue}).
     */
    @Property(tries = 300)
    void absentFieldsTakeTheDefaultsAvroReads(@ForAll long seed) throws IOException {
        Random random = new Random(seed);
        GenericData.Record record = (GenericData.Record) new Values(random).of(DEFAULTS_SCHEMA, 0);
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        List<String> absent = new ArrayList<>();
        try (JsonGenerator out = JSON.createGenerator(json)) {
            out.writeStartObject();
            for (Schema.Field field : DEFAULTS_SCHEMA.getFields()) {
                if (field.hasDefaultValue() && random.nextInt(3) > 0) {
                    absent.add(field.name());
                    record.put(field.pos(), GenericData.get().getDefaultValue(field));
                } else {
                    out.writeFieldName(field.name());
                    natural(field.schema(), record.get(field.pos()), out);
                }
            }
            out.writeEndObject();
        }
        byte[] text = json.toByteArray();
        String context = "absent " + absent + " of " + json.toString(StandardCharsets.UTF_8);
        byte[] expected = write(DEFAULTS_SCHEMA, record);
        assertArrayEquals(expected, DEFAULTS_OURS.toAvro(text, 0, text.length), context);
        assertEquals(
                MAPPER.readTree(natural(DEFAULTS_SCHEMA, record)), MAPPER.readTree(DEFAULTS_OURS.toJson(expected)));
    }

    private static byte[] write(Schema schema, Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<>(schema).write(value, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    // ------------------------------------------------------------------------------------------ expected JSON

    /** @return the natural JSON of an Avro value, written independently of the class under test */
    private static String natural(Schema schema, Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator generator = JSON.createGenerator(out)) {
            natural(schema, value, generator);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void natural(Schema schema, Object value, JsonGenerator out) throws IOException {
        switch (schema.getType()) {
            case NULL:
                out.writeNull();
                break;
            case BOOLEAN:
                out.writeBoolean((Boolean) value);
                break;
            case INT:
                out.writeNumber((Integer) value);
                break;
            case LONG:
                out.writeNumber((Long) value);
                break;
            case FLOAT:
                float f = (Float) value;
                if (Float.isFinite(f)) {
                    out.writeNumber(f);
                } else {
                    out.writeString(Float.isNaN(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity");
                }
                break;
            case DOUBLE:
                double d = (Double) value;
                if (Double.isFinite(d)) {
                    out.writeNumber(d);
                } else {
                    out.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                }
                break;
            case STRING:
                out.writeString(value.toString());
                break;
            case BYTES:
            case FIXED:
                byte[] bytes;
                if (value instanceof ByteBuffer) {
                    ByteBuffer buffer = ((ByteBuffer) value).duplicate();
                    bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                } else {
                    bytes = ((GenericFixed) value).bytes();
                }
                if (schema.getLogicalType() instanceof LogicalTypes.Decimal) {
                    int scale = ((LogicalTypes.Decimal) schema.getLogicalType()).getScale();
                    out.writeNumber(new BigDecimal(new BigInteger(bytes), scale).toPlainString());
                } else {
                    out.writeBinary(bytes);
                }
                break;
            case ENUM:
                out.writeString(value.toString());
                break;
            case ARRAY:
                out.writeStartArray();
                for (Object item : (List<?>) value) {
                    natural(schema.getElementType(), item, out);
                }
                out.writeEndArray();
                break;
            case MAP:
                out.writeStartObject();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    out.writeFieldName(entry.getKey().toString());
                    natural(schema.getValueType(), entry.getValue(), out);
                }
                out.writeEndObject();
                break;
            case RECORD:
                out.writeStartObject();
                for (Schema.Field field : schema.getFields()) {
                    out.writeFieldName(field.name());
                    natural(field.schema(), ((GenericRecord) value).get(field.pos()), out);
                }
                out.writeEndObject();
                break;
            case UNION:
                natural(schema.getTypes().get(GenericData.get().resolveUnion(schema, value)), value, out);
                break;
            default:
                throw new IllegalStateException(schema.getType().name());
        }
    }

    // ------------------------------------------------------------------------------------------ values

    /** Random Avro values of a schema, edge cases included. */
    private static final class Values {
        private final Random random;

        Values(Random random) {
            this.random = random;
        }

        Object of(Schema schema, int depth) {
            switch (schema.getType()) {
                case NULL:
                    return null;
                case BOOLEAN:
                    return random.nextBoolean();
                case INT:
                    return pick(
                            new Integer[] {0, -1, 1, 63, -64, 64, Integer.MIN_VALUE, Integer.MAX_VALUE},
                            random.nextInt());
                case LONG:
                    return pick(
                            new Long[] {0L, -1L, 1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 35},
                            random.nextLong() >> random.nextInt(64));
                case FLOAT:
                    float f = pick(
                            new Float[] {
                                0f,
                                -0f,
                                1.5f,
                                Float.NaN,
                                Float.POSITIVE_INFINITY,
                                Float.NEGATIVE_INFINITY,
                                Float.MIN_VALUE,
                                Float.MAX_VALUE,
                                0.1f
                            },
                            Float.intBitsToFloat(random.nextInt()));
                    return Float.isNaN(f) ? Float.NaN : f;
                case DOUBLE:
                    double d = pick(
                            new Double[] {
                                0d,
                                -0d,
                                2.5,
                                Double.NaN,
                                Double.POSITIVE_INFINITY,
                                Double.NEGATIVE_INFINITY,
                                Double.MIN_VALUE,
                                Double.MAX_VALUE,
                                0.1,
                                1e-7
                            },
                            Double.longBitsToDouble(random.nextLong()));
                    return Double.isNaN(d) ? Double.NaN : d;
                case STRING:
                    if (schema.getLogicalType() != null
                            && "uuid".equals(schema.getLogicalType().getName())) {
                        return new Utf8(new UUID(random.nextLong(), random.nextLong()).toString());
                    }
                    return new Utf8(text());
                case BYTES:
                    if (schema.getLogicalType() instanceof LogicalTypes.Decimal) {
                        return new Conversions.DecimalConversion()
                                .toBytes(
                                        decimal((LogicalTypes.Decimal) schema.getLogicalType()),
                                        schema,
                                        schema.getLogicalType());
                    }
                    return ByteBuffer.wrap(bytes(random.nextInt(12)));
                case FIXED:
                    if (schema.getLogicalType() instanceof LogicalTypes.Decimal) {
                        return new Conversions.DecimalConversion()
                                .toFixed(
                                        decimal((LogicalTypes.Decimal) schema.getLogicalType()),
                                        schema,
                                        schema.getLogicalType());
                    }
                    return new GenericData.Fixed(schema, bytes(schema.getFixedSize()));
                case ENUM:
                    List<String> symbols = schema.getEnumSymbols();
                    return new GenericData.EnumSymbol(schema, symbols.get(random.nextInt(symbols.size())));
                case ARRAY:
                    int items = depth > 3 ? 0 : random.nextInt(4);
                    GenericData.Array<Object> array = new GenericData.Array<>(items, schema);
                    for (int i = 0; i < items; i++) {
                        array.add(of(schema.getElementType(), depth + 1));
                    }
                    return array;
                case MAP:
                    int entries = depth > 3 ? 0 : random.nextInt(4);
                    Map<Utf8, Object> map = new HashMap<>();
                    for (int i = 0; i < entries; i++) {
                        map.put(new Utf8(text()), of(schema.getValueType(), depth + 1));
                    }
                    return map;
                case RECORD:
                    GenericData.Record record = new GenericData.Record(schema);
                    for (Schema.Field field : schema.getFields()) {
                        record.put(field.pos(), of(field.schema(), depth + 1));
                    }
                    return record;
                case UNION:
                    List<Schema> branches = new ArrayList<>(schema.getTypes());
                    if (depth > 3) {
                        branches.removeIf(branch -> branch.getType() != Schema.Type.NULL);
                    }
                    return of(branches.get(random.nextInt(branches.size())), depth + 1);
                default:
                    throw new IllegalStateException(schema.getType().name());
            }
        }

        private <T> T pick(T[] edges, T otherwise) {
            return random.nextInt(3) == 0 ? edges[random.nextInt(edges.length)] : otherwise;
        }

        private byte[] bytes(int length) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            return bytes;
        }

        private String text() {
            int[][] ranges = {
                {0x20, 0x7E},
                {0x00, 0x1F},
                {0xA0, 0x7FF},
                {0x4E00, 0x4FFF},
                {0xE000, 0xFFFD},
                {0x1F600, 0x1F64F},
                {0x10000, 0x10FFFF}
            };
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(8); i > 0; i--) {
                int[] range = ranges[random.nextInt(ranges.length)];
                text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
            }
            return text.toString();
        }

        private BigDecimal decimal(LogicalTypes.Decimal type) {
            BigInteger bound = BigInteger.TEN.pow(type.getPrecision());
            BigInteger unscaled = new BigInteger(type.getPrecision() * 4, random).mod(bound);
            if (random.nextInt(4) == 0) {
                unscaled = unscaled.mod(BigInteger.valueOf(1000));
            }
            return new BigDecimal(random.nextBoolean() ? unscaled : unscaled.negate(), type.getScale());
        }
    }
}
