package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link AvroJson}: every row of the mapping both ways, every refusal, and every bound. */
class AvroJsonTest {
    private static final Duration QUICKLY = Duration.ofSeconds(5);

    private static final String USER = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"x\",\"fields\":["
            + "{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},"
            + "{\"name\":\"age\",\"type\":\"int\"},"
            + "{\"name\":\"address\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Address\",\"fields\":["
            + "{\"name\":\"zip\",\"type\":\"int\"}]}],\"default\":null}]}";

    private static final String LIST = "{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
            + "{\"name\":\"value\",\"type\":\"int\"},"
            + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"],\"default\":null}]}";

    // ------------------------------------------------------------------------------------------ helpers

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] toAvro(AvroJson schema, String json) {
        byte[] bytes = utf8(json);
        byte[] avro = schema.toAvro(bytes, 0, bytes.length);
        schema.check(bytes, 0, bytes.length); // check agrees with toAvro
        return avro;
    }

    private static String toJson(AvroJson schema, byte[] avro) {
        byte[] json = schema.toJson(avro);
        return json == null ? null : new String(json, StandardCharsets.UTF_8);
    }

    /** @return the refusal's message; check refuses with the same one */
    private static String refusal(AvroJson schema, String json) {
        byte[] bytes = utf8(json);
        String message = assertThrows(IllegalArgumentException.class, () -> schema.toAvro(bytes, 0, bytes.length))
                .getMessage();
        assertEquals(
                message,
                assertThrows(IllegalArgumentException.class, () -> schema.check(bytes, 0, bytes.length))
                        .getMessage());
        return message;
    }

    private static String parseRefusal(String definition) {
        return assertThrows(IllegalArgumentException.class, () -> AvroJson.parse(definition))
                .getMessage();
    }

    private static byte[] bytes(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return bytes;
    }

    /** Avro's zig-zag varint. */
    private static void varint(ByteArrayOutputStream out, long value) {
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
    }

    /** Both ways: the JSON encodes to the bytes, and the bytes decode to the JSON. */
    private static void both(AvroJson schema, String json, byte[] avro) {
        assertArrayEquals(avro, toAvro(schema, json), json);
        assertEquals(json, toJson(schema, avro));
    }

    private static AvroJson primitive(String type) {
        return AvroJson.parse("\"" + type + "\"");
    }

    // ------------------------------------------------------------------------------------------ the mapping

    @Test
    void nullAndBoolean() {
        both(primitive("null"), "null", bytes());
        both(primitive("boolean"), "true", bytes(1));
        both(primitive("boolean"), "false", bytes(0));
        assertEquals("$: expected boolean, not a number", refusal(primitive("boolean"), "1"));
        assertEquals("$: expected null, not a string", refusal(primitive("null"), "\"\""));
        assertNull(toJson(primitive("boolean"), bytes(2)), "a boolean byte other than 0 or 1");
    }

    @Test
    void anAbsentFieldOfTypeNullIsNull() {
        AvroJson s =
                AvroJson.parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"n\",\"type\":\"null\"},"
                        + "{\"name\":\"x\",\"type\":\"int\"}]}");
        assertArrayEquals(bytes(2), toAvro(s, "{\"x\":1}"));
        assertEquals("{\"n\":null,\"x\":1}", toJson(s, bytes(2)));
    }

    @Test
    void intAndLong() {
        AvroJson ints = primitive("int");
        both(ints, "0", bytes(0));
        both(ints, "-1", bytes(1));
        both(ints, "1", bytes(2));
        both(ints, "64", bytes(0x80, 0x01));
        both(ints, "2147483647", bytes(0xFE, 0xFF, 0xFF, 0xFF, 0x0F));
        both(ints, "-2147483648", bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x0F));
        assertEquals("$: expected int, not a number with a fraction or exponent", refusal(ints, "1.0"));
        assertEquals("$: expected int, not a number with a fraction or exponent", refusal(ints, "1e3"));
        assertEquals("$: 2147483648 is out of range for int", refusal(ints, "2147483648"));
        assertEquals("$: expected int, not a string", refusal(ints, "\"1\""));
        assertNull(toJson(ints, bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x1F)), "bits beyond 32");
        assertNull(toJson(ints, bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)), "more than 5 bytes");

        AvroJson longs = primitive("long");
        both(longs, "9223372036854775807", bytes(0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01));
        both(longs, "-9223372036854775808", bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01));
        both(longs, "3000000000", bytes(0x80, 0xF8, 0x82, 0xAD, 0x16));
        assertEquals("$: 9223372036854775808 is out of range for long", refusal(longs, "9223372036854775808"));
        assertEquals("$: expected long, not a number with a fraction or exponent", refusal(longs, "2.5"));
        assertNull(toJson(longs, bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x03)), "bits beyond 64");
    }

    @Test
    void floatAndDouble() {
        AvroJson floats = primitive("float");
        both(floats, "1.5", bytes(0x00, 0x00, 0xC0, 0x3F));
        both(floats, "\"NaN\"", bytes(0x00, 0x00, 0xC0, 0x7F));
        both(floats, "\"Infinity\"", bytes(0x00, 0x00, 0x80, 0x7F));
        both(floats, "\"-Infinity\"", bytes(0x00, 0x00, 0x80, 0xFF));
        assertArrayEquals(bytes(0x00, 0x00, 0x80, 0x3F), toAvro(floats, "1"), "an integer is a number");
        assertArrayEquals(bytes(0x00, 0x00, 0x7A, 0x44), toAvro(floats, "1e3"));
        assertEquals("$: expected float, not the string 'nan'", refusal(floats, "\"nan\""));
        assertEquals("$: expected float, not a boolean", refusal(floats, "true"));
        assertNull(toJson(floats, bytes(0, 0, 0)), "truncated");

        AvroJson doubles = primitive("double");
        both(doubles, "-2.25", bytes(0, 0, 0, 0, 0, 0, 0x02, 0xC0));
        both(doubles, "\"NaN\"", bytes(0, 0, 0, 0, 0, 0, 0xF8, 0x7F));
        both(doubles, "\"Infinity\"", bytes(0, 0, 0, 0, 0, 0, 0xF0, 0x7F));
        both(doubles, "\"-Infinity\"", bytes(0, 0, 0, 0, 0, 0, 0xF0, 0xFF));
        assertEquals("1.0E-5", toJson(doubles, toAvro(doubles, "0.00001")));
        assertEquals("$: expected double, not an array", refusal(doubles, "[]"));
    }

    @Test
    void string() {
        AvroJson strings = primitive("string");
        both(strings, "\"h\u00e9\"", bytes(6, 'h', 0xC3, 0xA9));
        both(strings, "\"\"", bytes(0));
        String emoji = "\"\uD83D\uDE00 \\\" \\n\"";
        assertEquals(emoji, toJson(strings, toAvro(strings, emoji)));
        assertArrayEquals(bytes(8, 0xF0, 0x9F, 0x98, 0x80), toAvro(strings, "\"\\ud83d\\ude00\""));
        assertEquals(
                "$: the string has an unpaired surrogate, which UTF-8 cannot encode", refusal(strings, "\"\\ud800\""));
        assertEquals("$: expected string, not a number", refusal(strings, "1"));
        assertEquals("$: expected string, not null", refusal(strings, "null"));
    }

    @Test
    void bytesAsBase64() {
        AvroJson bytes = primitive("bytes");
        both(bytes, "\"AAEC\"", bytes(6, 0, 1, 2));
        both(bytes, "\"/w==\"", bytes(2, 0xFF));
        both(bytes, "\"\"", bytes(0));
        assertEquals("$: expected bytes as base64, not a string that is not base64", refusal(bytes, "\"/w\""));
        assertEquals("$: expected bytes as base64, not a string that is not base64", refusal(bytes, "\"A@==\""));
        assertEquals("$: expected bytes as base64, not a string that is not base64", refusal(bytes, "\"-_8=\""));
        assertEquals("$: expected bytes as base64, not a number", refusal(bytes, "12"));
    }

    @Test
    void fixedAsBase64OfItsSize() {
        AvroJson fixed = AvroJson.parse("{\"type\":\"fixed\",\"name\":\"F\",\"namespace\":\"n\",\"size\":3}");
        both(fixed, "\"AAEC\"", bytes(0, 1, 2));
        assertEquals("$: expected 3 bytes for fixed n.F, not 2", refusal(fixed, "\"AAE=\""));
        assertNull(toJson(fixed, bytes(0, 1)));
        AvroJson empty = AvroJson.parse("{\"type\":\"fixed\",\"name\":\"E\",\"size\":0}");
        both(empty, "\"\"", bytes());
    }

    @Test
    void enumAsItsSymbol() {
        AvroJson colors = AvroJson.parse("{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\"]}");
        both(colors, "\"RED\"", bytes(0));
        both(colors, "\"GREEN\"", bytes(2));
        assertEquals("$: 'BLUE' is not a symbol of enum Color", refusal(colors, "\"BLUE\""));
        assertEquals("$: expected enum Color, not a number", refusal(colors, "1"));
        assertNull(toJson(colors, bytes(4)), "index out of range");
        assertNull(toJson(colors, bytes(1)), "negative index");
    }

    @Test
    void arrayAndMap() {
        AvroJson array = AvroJson.parse("{\"type\":\"array\",\"items\":\"int\"}");
        both(array, "[1,2]", bytes(4, 2, 4, 0));
        both(array, "[]", bytes(0));
        assertEquals("$[1]: expected int, not a string", refusal(array, "[1,\"2\"]"));
        assertEquals("$: expected array, not an object", refusal(array, "{}"));

        AvroJson map = AvroJson.parse("{\"type\":\"map\",\"values\":\"int\"}");
        both(map, "{\"a\":1}", bytes(2, 2, 'a', 2, 0));
        both(map, "{}", bytes(0));
        assertEquals("$.b: expected int, not null", refusal(map, "{\"a\":1,\"b\":null}"));
        assertEquals("$['a b']: expected int, not a boolean", refusal(map, "{\"a b\":true}"));
        assertEquals("$: key 'a' appears twice", refusal(map, "{\"a\":1,\"a\":2}"));
        assertNull(toJson(map, bytes(4, 2, 'a', 2, 2, 'a', 4, 0)), "a key twice");
    }

    @Test
    void blocksWithNegativeCountsAreRead() {
        AvroJson array = AvroJson.parse("{\"type\":\"array\",\"items\":\"int\"}");
        // -2 items in 2 bytes, then 1 item, then the end
        assertEquals("[1,2,3]", toJson(array, bytes(3, 4, 2, 4, 2, 6, 0)));
        AvroJson map = AvroJson.parse("{\"type\":\"map\",\"values\":\"string\"}");
        assertEquals("{\"k\":\"v\"}", toJson(map, bytes(1, 8, 2, 'k', 2, 'v', 0)));
        assertNull(toJson(array, bytes(3, 4, 2)), "a block cut short");
    }

    @Test
    void recordFieldsInSchemaOrderFromAnyOrder() {
        AvroJson user = AvroJson.parse(USER);
        byte[] avro = toAvro(user, "{\"address\":{\"zip\":5},\"age\":30,\"name\":\"Ann\"}");
        assertArrayEquals(bytes(2, 6, 'A', 'n', 'n', 60, 2, 10), avro);
        assertEquals("{\"name\":\"Ann\",\"age\":30,\"address\":{\"zip\":5}}", toJson(user, avro));
        assertEquals("{\"name\":null,\"age\":30,\"address\":null}", toJson(user, toAvro(user, "{\"age\":30}")));
        assertNull(toJson(user, bytes(0, 60, 4)), "union index out of range");
        assertNull(toJson(user, bytes(0, 60)), "truncated");
    }

    @Test
    void recordRefusals() {
        AvroJson user = AvroJson.parse(USER);
        assertEquals("$: field 'age' is required", refusal(user, "{\"name\":\"Ann\"}"));
        assertEquals("$: field 'x' is not in the schema", refusal(user, "{\"age\":1,\"x\":1}"));
        assertEquals("$: key 'age' appears twice", refusal(user, "{\"age\":1,\"age\":1}"));
        assertEquals(
                "$.address.zip: expected int, not a string", refusal(user, "{\"age\":1,\"address\":{\"zip\":\"9\"}}"));
        assertEquals("$.address: field 'zip' is required", refusal(user, "{\"age\":1,\"address\":{}}"));
        assertEquals("$.name: expected null or string, not a number", refusal(user, "{\"age\":1,\"name\":5}"));
        assertEquals(
                "$.address: expected null or record x.Address, not an array",
                refusal(user, "{\"age\":1,\"address\":[]}"));
        assertEquals("$: expected record x.User, not an array", refusal(user, "[]"));
        assertEquals("$.age: expected int, not null", refusal(user, "{\"age\":null}"));
    }

    @Test
    void malformedJsonIsRefused() {
        AvroJson user = AvroJson.parse(USER);
        assertTrue(refusal(user, "{\"age\":1").startsWith("$: malformed JSON at line 1, column "));
        assertTrue(refusal(user, "{\"age\":1} {}").startsWith("$: malformed JSON"));
        assertEquals("$: malformed JSON: no value", refusal(user, " "));
        assertTrue(refusal(user, "{'age':1}").startsWith("$: malformed JSON"));
        byte[] bom = bytes(0xEF, 0xBB, 0xBF, '{', '}');
        assertThrows(IllegalArgumentException.class, () -> user.toAvro(bom, 0, bom.length));
        byte[] utf16 = bytes('{', 0, '}', 0);
        assertThrows(IllegalArgumentException.class, () -> user.toAvro(utf16, 0, utf16.length));
        byte[] framed = utf8("xx{\"age\":7}yy");
        assertArrayEquals(bytes(0, 14, 0), user.toAvro(framed, 2, framed.length - 4), "offset and length");
    }

    @Test
    void defaults() {
        AvroJson schema = AvroJson.parse("{\"type\":\"record\",\"name\":\"D\",\"fields\":["
                + "{\"name\":\"i\",\"type\":\"int\",\"default\":7},"
                + "{\"name\":\"s\",\"type\":\"string\",\"default\":\"hi\"},"
                + "{\"name\":\"u\",\"type\":[\"string\",\"null\"],\"default\":\"first\"},"
                + "{\"name\":\"n\",\"type\":[\"int\",\"null\"]},"
                + "{\"name\":\"b\",\"type\":\"bytes\",\"default\":\"\\u00ff\\u0000\"},"
                + "{\"name\":\"f\",\"type\":{\"type\":\"fixed\",\"name\":\"Two\",\"size\":2},\"default\":\"ab\"},"
                + "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]},\"default\":\"B\"},"
                + "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"long\"},\"default\":[1,2]},"
                + "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"boolean\"},\"default\":{\"k\":true}},"
                + "{\"name\":\"d\",\"type\":\"double\",\"default\":\"NaN\"},"
                + "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":["
                + "{\"name\":\"x\",\"type\":\"int\",\"default\":3},{\"name\":\"y\",\"type\":\"int\"}]},"
                + "\"default\":{\"y\":4}}]}");
        assertEquals(
                "{\"i\":7,\"s\":\"hi\",\"u\":\"first\",\"n\":null,\"b\":\"/wA=\",\"f\":\"YWI=\",\"e\":\"B\","
                        + "\"a\":[1,2],\"m\":{\"k\":true},\"d\":\"NaN\",\"r\":{\"x\":3,\"y\":4}}",
                toJson(schema, toAvro(schema, "{}")));
        assertEquals(
                "{\"i\":1,\"s\":\"hi\",\"u\":null,\"n\":5,\"b\":\"/wA=\",\"f\":\"YWI=\",\"e\":\"A\","
                        + "\"a\":[],\"m\":{},\"d\":1.5,\"r\":{\"x\":0,\"y\":0}}",
                toJson(
                        schema,
                        toAvro(
                                schema,
                                "{\"i\":1,\"u\":null,\"n\":5,\"e\":\"A\",\"a\":[],\"m\":{},"
                                        + "\"d\":1.5,\"r\":{\"x\":0,\"y\":0}}")));
    }

    @Test
    void invalidDefaultsAreRefused() {
        String field = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":%s,\"default\":%s}]}";
        assertEquals(
                "the default of field 'f' of record R is invalid: expected string, not null",
                parseRefusal(String.format(field, "\"string\"", "null")));
        assertTrue(parseRefusal(String.format(field, "\"int\"", "1.0")).contains("fraction"));
        assertTrue(parseRefusal(String.format(field, "[\"null\",\"int\"]", "1")).contains("expected null"));
        assertTrue(parseRefusal(String.format(field, "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", "\"X\""))
                .contains("symbol"));
        assertTrue(parseRefusal(String.format(field, "{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}", "\"abc\""))
                .contains("expected 2 bytes"));
        assertTrue(
                parseRefusal(String.format(field, "\"bytes\"", "\"\\u0100\"")).contains("above"));
        assertTrue(parseRefusal(String.format(
                        field,
                        "{\"type\":\"record\",\"name\":\"In\",\"fields\":[{\"name\":\"y\",\"type\":\"int\"}]}",
                        "{}"))
                .contains("field 'y' is missing and has no default"));
    }

    @Test
    void unionsTakeTheFirstBranchTheValueFits() {
        AvroJson union = AvroJson.parse("[\"null\",\"int\",\"long\",\"float\",\"string\","
                + "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]},{\"type\":\"array\",\"items\":\"int\"},"
                + "{\"type\":\"map\",\"values\":\"int\"}]");
        both(union, "null", bytes(0));
        both(union, "5", bytes(2, 10));
        both(union, "3000000000", bytes(4, 0x80, 0xF8, 0x82, 0xAD, 0x16));
        both(union, "1.5", bytes(6, 0x00, 0x00, 0xC0, 0x3F));
        both(union, "\"A\"", bytes(8, 2, 'A'));
        assertEquals("\"A\"", toJson(union, bytes(10, 0)), "the enum branch is written as its symbol");
        both(union, "[1]", bytes(12, 2, 2, 0));
        both(union, "{\"k\":1}", bytes(14, 2, 2, 'k', 2, 0));
        assertEquals(
                "$: expected null or int or long or float or string or enum E or array or map, not a boolean",
                refusal(union, "true"));
        assertEquals("$[0]: expected int, not a string", refusal(union, "[\"x\"]"));

        AvroJson enumFirst =
                AvroJson.parse("[{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]},\"string\",\"bytes\"]");
        assertArrayEquals(bytes(0, 0), toAvro(enumFirst, "\"A\""));
        assertArrayEquals(bytes(2, 2, 'B'), toAvro(enumFirst, "\"B\""));
        AvroJson bytesFirst = AvroJson.parse("[\"bytes\",\"string\"]");
        assertArrayEquals(bytes(0, 0), toAvro(bytesFirst, "\"\""));
        assertArrayEquals(bytes(2, 2, '!'), toAvro(bytesFirst, "\"!\""));

        AvroJson records =
                AvroJson.parse("[{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]},"
                        + "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}]");
        assertArrayEquals(bytes(0, 2), toAvro(records, "{\"a\":1}"));
        assertArrayEquals(bytes(2, 2), toAvro(records, "{\"b\":1}"));
        assertEquals("$: expected record A or record B, not an object", refusal(records, "{\"c\":1}"));
        assertEquals("{\"b\":1}", toJson(records, bytes(2, 2)));
    }

    @Test
    void decimals() {
        AvroJson bytes = AvroJson.parse("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":5,\"scale\":2}");
        both(bytes, "12.30", bytes(4, 0x04, 0xCE));
        both(bytes, "-0.05", bytes(2, 0xFB));
        both(bytes, "0.00", bytes(2, 0));
        both(bytes, "999.99", bytes(6, 0x01, 0x86, 0x9F));
        assertArrayEquals(bytes(4, 0x04, 0xCE), toAvro(bytes, "12.3"));
        assertArrayEquals(bytes(4, 0x04, 0xCE), toAvro(bytes, "\"12.3\""), "a numeric string");
        assertArrayEquals(bytes(4, 0x04, 0xCE), toAvro(bytes, "12.300"), "zeros beyond the scale");
        assertArrayEquals(bytes(4, 0x27, 0x10), toAvro(bytes, "1e2"));
        assertArrayEquals(bytes(2, 0), toAvro(bytes, "-0"));
        assertEquals("$: 1.234 has too many decimal places for decimal(5,2)", refusal(bytes, "1.234"));
        assertEquals("$: 1000 has too many digits for decimal(5,2)", refusal(bytes, "1000"));
        assertEquals("$: 1e999999999 has too many digits for decimal(5,2)", refusal(bytes, "1e999999999"));
        assertEquals("$: 1e-999999999 has too many decimal places for decimal(5,2)", refusal(bytes, "1e-999999999"));
        assertEquals("$: expected decimal(5,2), not the string '12,3'", refusal(bytes, "\"12,3\""));
        assertEquals("$: expected decimal(5,2), not the string 'NaN'", refusal(bytes, "\"NaN\""));
        assertEquals("$: expected decimal(5,2), not a boolean", refusal(bytes, "true"));
        assertEquals("12.30", toJson(bytes, bytes(6, 0, 0x04, 0xCE)), "sign extension is not a digit");
        assertNull(toJson(bytes, bytes(0)), "no bytes");
        assertNull(toJson(bytes, bytes(6, 0x0F, 0x42, 0x40)), "1000000 is more than 5 digits");

        AvroJson fixed = AvroJson.parse("{\"type\":\"fixed\",\"name\":\"Money\",\"size\":4,"
                + "\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}");
        both(fixed, "-1.00", bytes(0xFF, 0xFF, 0xFF, 0x9C));
        both(fixed, "1234567.89", bytes(0x07, 0x5B, 0xCD, 0x15));
        assertEquals("$: 12345678.9 has too many digits for decimal(9,2)", refusal(fixed, "12345678.9"));

        AvroJson scaleZero = AvroJson.parse("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":3}");
        both(scaleZero, "-128", bytes(2, 0x80));

        // an invalid decimal is ignored, as Avro ignores it: the underlying bytes apply
        AvroJson invalid = AvroJson.parse(
                "{\"type\":\"fixed\",\"name\":\"F\",\"size\":4," + "\"logicalType\":\"decimal\",\"precision\":10}");
        both(invalid, "\"AAAAAQ==\"", bytes(0, 0, 0, 1));
        assertTrue(parseRefusal("{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":1001}")
                .contains("more than 1000 digits"));
    }

    @Test
    void uuidAndOtherLogicalTypes() {
        AvroJson uuid = AvroJson.parse("{\"type\":\"string\",\"logicalType\":\"uuid\"}");
        String id = "\"123e4567-e89b-12d3-A456-426614174000\"";
        assertEquals(id, toJson(uuid, toAvro(uuid, id)));
        assertEquals("$: expected a uuid (8-4-4-4-12 hex digits), not 'abc'", refusal(uuid, "\"abc\""));
        assertTrue(refusal(uuid, "\"123e4567e89b-12d3-a456-426614174000-\"").startsWith("$: expected a uuid"));
        assertEquals("\"anything\"", toJson(uuid, bytes(16, 'a', 'n', 'y', 't', 'h', 'i', 'n', 'g')));

        for (String type : new String[] {"date", "time-millis"}) {
            AvroJson schema = AvroJson.parse("{\"type\":\"int\",\"logicalType\":\"" + type + "\"}");
            both(schema, "19000", bytes(0xF0, 0xA8, 0x02));
        }
        for (String type : new String[] {
            "time-micros",
            "timestamp-millis",
            "timestamp-micros",
            "timestamp-nanos",
            "local-timestamp-millis",
            "local-timestamp-micros",
            "local-timestamp-nanos"
        }) {
            AvroJson schema = AvroJson.parse("{\"type\":\"long\",\"logicalType\":\"" + type + "\"}");
            both(schema, "1700000000000", toAvro(primitive("long"), "1700000000000"));
            assertEquals("$: expected long, not a string", refusal(schema, "\"2024-01-01\""));
        }
        AvroJson unknown = AvroJson.parse("{\"type\":\"string\",\"logicalType\":\"color\"}");
        both(unknown, "\"red\"", bytes(6, 'r', 'e', 'd'));
    }

    @Test
    void recursiveRecords() {
        AvroJson list = AvroJson.parse(LIST);
        String json = "{\"value\":1,\"next\":{\"value\":2,\"next\":{\"value\":3,\"next\":null}}}";
        both(list, json, bytes(2, 2, 4, 2, 6, 0));
        assertEquals(json, toJson(list, toAvro(list, "{\"value\":1,\"next\":{\"value\":2,\"next\":{\"value\":3}}}")));
        assertEquals(
                "$.next.next.value: expected int, not a string",
                refusal(list, "{\"value\":1,\"next\":{\"value\":2," + "\"next\":{\"value\":\"3\"}}}"));
    }

    @Test
    void namedTypesAcrossNamespaces() {
        AvroJson schema = AvroJson.parse("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a.b\",\"fields\":["
                + "{\"name\":\"s\",\"type\":{\"type\":\"record\",\"name\":\"S\",\"namespace\":\"\",\"fields\":["
                + "{\"name\":\"back\",\"type\":[\"null\",\"a.b.R\"]}]}},"
                + "{\"name\":\"t\",\"type\":{\"type\":\"record\",\"name\":\"c.T\",\"fields\":["
                + "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"X\"]}},"
                + "{\"name\":\"e2\",\"type\":\"E\"}]}},"
                + "{\"name\":\"e3\",\"type\":\"c.E\"},"
                + "{\"name\":\"s2\",\"type\":\"S\"},"
                + "{\"name\":\"r\",\"type\":[\"null\",\"R\"]}],"
                + "\"aliases\":[\"Old\"],\"doc\":\"ignored\"}");
        String json =
                "{\"s\":{\"back\":null},\"t\":{\"e\":\"X\",\"e2\":\"X\"},\"e3\":\"X\",\"s2\":{\"back\":null},\"r\":null}";
        both(schema, json, bytes(0, 0, 0, 0, 0, 0));
        assertEquals(
                "unknown type 'E'",
                parseRefusal("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a\",\"fields\":["
                        + "{\"name\":\"t\",\"type\":{\"type\":\"enum\",\"name\":\"c.E\",\"symbols\":[\"X\"]}},"
                        + "{\"name\":\"u\",\"type\":\"E\"}]}"));
        assertEquals(
                "unknown type 'R'",
                parseRefusal("{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a\",\"fields\":["
                        + "{\"name\":\"s\",\"type\":{\"type\":\"record\",\"name\":\"S\",\"namespace\":\"\",\"fields\":["
                        + "{\"name\":\"x\",\"type\":\"R\"}]}}]}"));
        assertEquals(
                "the name a.R is defined twice",
                parseRefusal("[{\"type\":\"fixed\",\"name\":\"a.R\",\"size\":1},"
                        + "{\"type\":\"enum\",\"name\":\"R\",\"namespace\":\"a\",\"symbols\":[]}]"));
    }

    @Test
    void wholeSchemasOfPrimitivesAndIgnoredAttributes() {
        for (String definition : new String[] {"\"string\"", "{\"type\":\"string\"}", " \"string\" "}) {
            both(AvroJson.parse(definition), "\"x\"", bytes(2, 'x'));
        }
        AvroJson withOrder = AvroJson.parse("{\"type\":\"record\",\"name\":\"R\",\"doc\":\"d\",\"fields\":["
                + "{\"name\":\"f\",\"type\":\"int\",\"order\":\"descending\",\"aliases\":[\"g\"],\"doc\":\"x\"}]}");
        both(withOrder, "{\"f\":1}", bytes(2));
        assertEquals(
                "{\"type\":\"string\"}", AvroJson.parse("{\"type\":\"string\"}").definition());
    }

    @Test
    void unsupportedDefinitionsAreRefused() {
        assertTrue(parseRefusal("{").startsWith("schema definition: $: malformed JSON"));
        assertEquals("unknown type 'strng'", parseRefusal("\"strng\""));
        assertEquals("a type object needs a 'type' that is a string", parseRefusal("{\"type\":{\"type\":\"int\"}}"));
        assertEquals("a union may not contain a union", parseRefusal("[[\"int\"]]"));
        assertEquals(
                "a union has two branches of type int",
                parseRefusal("[\"int\",{\"type\":\"int\",\"logicalType\":\"date\"}]"));
        assertEquals("a record needs a 'name'", parseRefusal("{\"type\":\"record\",\"fields\":[]}"));
        assertEquals("record R needs 'fields' as an array", parseRefusal("{\"type\":\"record\",\"name\":\"R\"}"));
        assertEquals(
                "record R has two fields 'a'",
                parseRefusal("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                        + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":\"int\"}]}"));
        assertEquals("invalid record name '1R'", parseRefusal("{\"type\":\"record\",\"name\":\"1R\",\"fields\":[]}"));
        assertEquals(
                "a record may not be named after a primitive type: int",
                parseRefusal("{\"type\":\"record\",\"name\":\"int\",\"fields\":[]}"));
        assertEquals(
                "fixed F needs a 'size' of 0 or more", parseRefusal("{\"type\":\"fixed\",\"name\":\"F\",\"size\":-1}"));
        assertEquals("an array needs 'items'", parseRefusal("{\"type\":\"array\"}"));
        assertEquals("a type must be a name, an object or an array, not a number", parseRefusal("1"));
        assertEquals("the schema definition is longer than 1 MiB", parseRefusal("\"" + "x".repeat(1 << 20) + "\""));
        // a definition's duplicate keys are taken as Avro takes them: the last wins
        both(AvroJson.parse("{\"type\":\"int\",\"type\":\"string\"}"), "\"x\"", bytes(2, 'x'));
    }

    // ------------------------------------------------------------------------------------------ bounds

    private static String nestedArrays(int depth) {
        return "{\"type\":\"array\",\"items\":".repeat(depth) + "\"int\"" + "}".repeat(depth);
    }

    @Test
    void schemasNestedTooDeeplyAreRefused() {
        AvroJson.parse(nestedArrays(63));
        assertEquals("the schema nests types deeper than 64 levels", parseRefusal(nestedArrays(64)));
        String deepJson = "[".repeat(400) + "]".repeat(400);
        assertTrue(parseRefusal(deepJson).endsWith("nested deeper than 320 levels"));
    }

    private static String list(int depth) {
        return depth == 1 ? "{\"value\":1}" : "{\"value\":1,\"next\":" + list(depth - 1) + "}";
    }

    private static byte[] listAvro(int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i <= depth; i++) {
            out.write(2);
            out.write(i < depth ? 2 : 0);
        }
        return out.toByteArray();
    }

    @Test
    void deepNestingIsRefused() {
        AvroJson list = AvroJson.parse(LIST);
        assertArrayEquals(listAvro(64), toAvro(list, list(64)));
        assertTrue(refusal(list, list(65)).endsWith(": nested deeper than 64 levels"));
        assertTrue(refusal(list, "[".repeat(100_000) + "]".repeat(100_000)).endsWith("nested deeper than 64 levels"));
        assertEquals(list(64).replace("\"value\":1}", "\"value\":1,\"next\":null}"), toJson(list, listAvro(64)));
        assertNull(toJson(list, listAvro(65)));
        assertNull(toJson(list, listAvro(100_000)));
    }

    @Test
    void hugeLengthsAndCountsAreNotBelieved() {
        ByteArrayOutputStream huge = new ByteArrayOutputStream();
        varint(huge, 1L << 62);
        huge.write('x');
        assertTimeoutPreemptively(QUICKLY, () -> {
            assertNull(primitive("string").toJson(huge.toByteArray()));
            assertNull(primitive("bytes").toJson(huge.toByteArray()));
            assertNull(AvroJson.parse("{\"type\":\"map\",\"values\":\"int\"}").toJson(huge.toByteArray()));
        });
        ByteArrayOutputStream count = new ByteArrayOutputStream();
        varint(count, 1L << 31);
        count.write(0);
        byte[] manyNulls = count.toByteArray();
        assertTimeoutPreemptively(QUICKLY, () -> {
            assertNull(AvroJson.parse("{\"type\":\"array\",\"items\":\"null\"}").toJson(manyNulls));
            assertNull(
                    AvroJson.parse("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}}")
                            .toJson(manyNulls));
            assertNull(AvroJson.parse("{\"type\":\"array\",\"items\":{\"type\":\"fixed\",\"name\":\"Z\",\"size\":0}}")
                    .toJson(manyNulls));
            assertNull(AvroJson.parse("{\"type\":\"array\",\"items\":\"int\"}").toJson(manyNulls));
            assertNull(AvroJson.parse("{\"type\":\"map\",\"values\":\"null\"}").toJson(manyNulls));
        });
        ByteArrayOutputStream negative = new ByteArrayOutputStream();
        varint(negative, Long.MIN_VALUE);
        assertNull(AvroJson.parse("{\"type\":\"array\",\"items\":\"null\"}").toJson(negative.toByteArray()));
        // a few zero-byte items are fine
        assertEquals(
                "[null,null,null]", toJson(AvroJson.parse("{\"type\":\"array\",\"items\":\"null\"}"), bytes(6, 0)));
        assertNull(toJson(AvroJson.parse("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2147483647}"), bytes(1, 2)));
    }

    @Test
    void zeroSizeFieldsOfTheSchemaAreWithinTheBudget() {
        StringBuilder definition = new StringBuilder("{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
        for (int i = 0; i < 100; i++) {
            definition
                    .append(i == 0 ? "" : ",")
                    .append("{\"name\":\"f")
                    .append(i)
                    .append("\",\"type\":\"null\"}");
        }
        AvroJson schema = AvroJson.parse(definition.append("]}").toString());
        assertTrue(toJson(schema, bytes()).startsWith("{\"f0\":null,"));
    }

    @Test
    void trailingBytesAndInvalidUtf8AreNotDecoded() {
        assertNull(toJson(primitive("int"), bytes(2, 2)));
        assertNull(toJson(primitive("null"), bytes(0)));
        assertNull(toJson(primitive("int"), bytes()));
        AvroJson strings = primitive("string");
        assertNull(toJson(strings, bytes(4, 0xC0, 0x80)), "overlong");
        assertNull(toJson(strings, bytes(6, 0xED, 0xA0, 0x80)), "a surrogate");
        assertNull(toJson(strings, bytes(4, 0xE2, 0x82)), "cut short");
        assertNull(toJson(strings, bytes(2, 0xFF)), "not UTF-8 at all");
        assertNull(toJson(strings, bytes(8, 0xF4, 0x90, 0x80, 0x80)), "above U+10FFFF");
        assertNull(toJson(AvroJson.parse("{\"type\":\"map\",\"values\":\"int\"}"), bytes(2, 2, 0xFF, 2, 0)), "a key");
        assertEquals("\"\u20ac\"", toJson(strings, bytes(6, 0xE2, 0x82, 0xAC)));
    }

    @Test
    void ambiguousUnionsAreTriedOnceEach() {
        // at every level, A is tried first and fails on z only after its whole n has been checked; B then fits
        AvroJson schema = AvroJson.parse("{\"type\":\"record\",\"name\":\"A\",\"fields\":["
                + "{\"name\":\"n\",\"type\":[\"null\",\"A\",{\"type\":\"record\",\"name\":\"B\",\"fields\":["
                + "{\"name\":\"n\",\"type\":[\"null\",\"A\",\"B\"]},{\"name\":\"z\",\"type\":\"string\"}]}]},"
                + "{\"name\":\"z\",\"type\":\"int\"}]}");
        String json = "{\"n\":null,\"z\":\"s\"}";
        for (int i = 0; i < 60; i++) {
            json = "{\"n\":" + json + ",\"z\":\"s\"}";
        }
        String value = "{\"n\":" + json + ",\"z\":1}";
        assertTimeoutPreemptively(QUICKLY, () -> {
            byte[] avro = toAvro(schema, value);
            assertEquals(value, toJson(schema, avro));
            assertTrue(refusal(schema, value.replace("\"z\":1}", "\"z\":true}")).startsWith("$.z: expected int"));
        });
    }

    @Test
    void largeDefaultsCannotBlowUpTheOutput() {
        AvroJson schema =
                AvroJson.parse("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                        + "{\"name\":\"s\",\"type\":\"string\",\"default\":\"" + "x".repeat(100_000) + "\"}]}}");
        String few = "[{},{}]";
        assertEquals(200_000 + 8, toAvro(schema, few).length);
        byte[] many = utf8("[" + "{},".repeat(20) + "{}]");
        assertEquals(
                "$[10]: the value's Avro encoding would be longer than " + ((1 << 20) + 16 * many.length) + " bytes",
                assertThrows(IllegalArgumentException.class, () -> schema.toAvro(many, 0, many.length))
                        .getMessage());
        schema.check(many, 0, many.length); // nothing is encoded for a check
    }
}
