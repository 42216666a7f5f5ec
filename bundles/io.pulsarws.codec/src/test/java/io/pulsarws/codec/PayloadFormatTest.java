package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code payloadFormat=text} and {@code json}: what a producer's payload becomes, and how a message is pushed. */
class PayloadFormatTest {
    private final FrameCodec codec = new FrameCodec();

    private ProducerFrame read(String frame, PayloadFormat format) throws FrameException {
        byte[] b = frame.getBytes(StandardCharsets.UTF_8);
        return codec.decodeProducerFrame(b, 0, b.length, format);
    }

    private static String text(ProducerFrame f) {
        return new String(f.payload(), StandardCharsets.UTF_8);
    }

    private String push(String payload, PayloadFormat format) {
        return push(payload.getBytes(StandardCharsets.UTF_8), format);
    }

    private String push(byte[] payload, PayloadFormat format) {
        return codec.encodeMessage(new DeliveredMessage("CAAQAA==", payload, Map.of(), 0, 0, 0, null), format);
    }

    @Test
    void parameterValues() {
        assertEquals(PayloadFormat.BASE64, PayloadFormat.of(null));
        assertEquals(PayloadFormat.TEXT, PayloadFormat.of("text"));
        assertEquals(PayloadFormat.JSON, PayloadFormat.of("json"));
        assertEquals(PayloadFormat.BASE64, PayloadFormat.of("base64"));
        assertThrows(IllegalArgumentException.class, () -> PayloadFormat.of("JSON"));
        assertThrows(IllegalArgumentException.class, () -> PayloadFormat.of("avro"));
    }

    @Test
    void aTextPayloadIsStoredAsItsUtf8() throws FrameException {
        ProducerFrame f = read(
                "{\"payload\":\"h\\u00e9llo \\\"world\\\" \u2713\",\"context\":\"1\",\"key\":\"k\"}",
                PayloadFormat.TEXT);
        assertEquals("h\u00e9llo \"world\" \u2713", text(f));
        assertEquals("1", f.context());
        assertEquals("k", f.key());
        // a plain frame (the fast path of base64) is still read as text, not as base64
        assertEquals("SGVsbG8=", text(read("{\"payload\":\"SGVsbG8=\"}", PayloadFormat.TEXT)));
    }

    @Test
    void aJsonPayloadIsStoredAsCompactJson() throws FrameException {
        assertEquals(
                "{\"a\":[1,2.5,true,null],\"b\":{\"c\":\"d\"}}",
                text(read(
                        "{\"payload\": { \"a\" : [1, 2.5, true, null], \"b\": {\"c\": \"d\"} } }",
                        PayloadFormat.JSON)));
        assertEquals("\"just text\"", text(read("{\"payload\":\"just text\"}", PayloadFormat.JSON)));
        assertEquals("42", text(read("{\"context\":\"c\",\"payload\":42}", PayloadFormat.JSON)));
        assertEquals("null", text(read("{\"payload\":null}", PayloadFormat.JSON)));
    }

    @Test
    void aPayloadOfTheWrongTypeIsSendError7() {
        FrameException e = assertThrows(
                FrameException.class, () -> read("{\"payload\":{\"a\":1},\"context\":\"9\"}", PayloadFormat.TEXT));
        assertEquals(WebSocketError.PAYLOAD_ENCODING_ERROR, e.error());
        assertEquals("payload must be a JSON string with payloadFormat=text", e.getMessage());
        assertEquals("9", e.context());
        assertEquals(
                WebSocketError.PAYLOAD_ENCODING_ERROR,
                assertThrows(FrameException.class, () -> read("{\"context\":\"1\"}", PayloadFormat.JSON))
                        .error());
        assertEquals(
                WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                assertThrows(FrameException.class, () -> read("{\"payload\":{\"a\":}", PayloadFormat.JSON))
                        .error());
    }

    @Test
    void messagesArePushedAsTextOrJsonWhenTheyAreAndAsBase64SaidSoWhenNot() throws Exception {
        assertTrue(push("h\u00e9llo", PayloadFormat.TEXT).contains("\"payload\":\"h\u00e9llo\""));
        assertFalse(push("h\u00e9llo", PayloadFormat.TEXT).contains("payloadFormat"));
        assertTrue(push("{\"a\": [1, 2]}", PayloadFormat.JSON).contains("\"payload\":{\"a\":[1,2]}"));
        assertTrue(push("7", PayloadFormat.JSON).contains("\"payload\":7,"));
        byte[] notUtf8 = {(byte) 0xC3, (byte) 0x28};
        for (PayloadFormat f : new PayloadFormat[] {PayloadFormat.TEXT, PayloadFormat.JSON}) {
            String frame = push(notUtf8, f);
            assertTrue(frame.contains("\"payload\":\"wyg=\",\"payloadFormat\":\"base64\""), frame);
        }
        for (String notOneValue : new String[] {"not json", "{\"a\":1} {\"b\":2}", "{\"a\":", ""}) {
            String frame = push(notOneValue, PayloadFormat.JSON);
            assertTrue(frame.contains("\"payloadFormat\":\"base64\""), frame);
            Map<String, Object> read = new org.yaml.snakeyaml.Yaml().load(frame); // JSON is YAML
            assertEquals(
                    notOneValue,
                    new String(
                            java.util.Base64.getDecoder().decode((String) read.get("payload")),
                            StandardCharsets.UTF_8));
        }
        assertEquals(
                push("x", PayloadFormat.BASE64),
                codec.encodeMessage(new DeliveredMessage(
                        "CAAQAA==", "x".getBytes(StandardCharsets.UTF_8), Map.of(), 0, 0, 0, null)));
    }
}
