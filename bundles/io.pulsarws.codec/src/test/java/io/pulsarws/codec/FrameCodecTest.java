package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec();

    @Test
    void readsTheApiPageProducerFrame() throws FrameException {
        ProducerFrame f = codec.decodeProducerFrame(
                "{\"payload\":\"SGVsbG8gV29ybGQ=\",\"properties\":{\"key1\":\"value1\",\"key2\":\"value2\"},\"context\":\"1\"}");
        assertEquals("Hello World", new String(f.payload(), StandardCharsets.UTF_8));
        assertEquals(Map.of("key1", "value1", "key2", "value2"), f.properties());
        assertEquals("1", f.context());
        assertNull(f.key());
        assertEquals(0, f.eventTime());
    }

    @Test
    void coercesNumericContextAsThePythonExampleSendsIt() throws FrameException {
        ProducerFrame f = codec.decodeProducerFrame("{\"payload\":\"\",\"context\":5}");
        assertEquals("5", f.context());
        assertEquals(0, f.payload().length);
    }

    @Test
    void readsOptionalFieldsAndIgnoresUnknownOnes() throws FrameException {
        ProducerFrame f = codec.decodeProducerFrame("{\"foo\":{\"a\":[1,2]},\"payload\":\"eA\",\"key\":\"k\","
                + "\"replicationClusters\":[\"c1\",\"c2\"],\"eventTime\":\"2021-10-29T16:01:38.967-07:00\","
                + "\"deliverAt\":1700000000000,\"deliverAfterMs\":\"5000\",\"sequenceId\":42}");
        assertArrayEquals(new byte[] {'x'}, f.payload(), "padding is optional, as with java.util.Base64");
        assertEquals("k", f.key());
        assertEquals(List.of("c1", "c2"), f.replicationClusters());
        assertEquals(1635548498967L, f.eventTime());
        assertEquals(1700000000000L, f.deliverAt());
        assertEquals(5000L, f.deliverAfterMs());
        assertEquals(42L, f.sequenceId());
    }

    @Test
    void readsClientSideEncryptionFields() throws FrameException {
        ProducerFrame f = codec.decodeProducerFrame(
                "{\"payload\":\"eA==\",\"encryptionParam\":\"AQID\",\"compressionType\":\"LZ4\",\"uncompressedMessageSize\":9}");
        assertArrayEquals(new byte[] {1, 2, 3}, f.encryptionParam());
        assertEquals("LZ4", f.compressionType());
        assertEquals(9, f.uncompressedMessageSize());
        assertEquals(
                WebSocketError.PAYLOAD_ENCODING_ERROR,
                assertThrows(
                                FrameException.class,
                                () -> codec.decodeProducerFrame("{\"payload\":\"eA==\",\"compressionType\":\"LZ4\"}"))
                        .error());
        assertEquals(
                WebSocketError.PAYLOAD_ENCODING_ERROR,
                assertThrows(
                                FrameException.class,
                                () -> codec.decodeProducerFrame("{\"payload\":\"eA==\",\"encryptionParam\":\"!\"}"))
                        .error());
    }

    @Test
    void readsClientSideEncryptionKeysAndTellsServerSideKeyNamesApart() {
        String json = "{\"client-rsa.pem\":{\"keyValue\":\"AQI=\",\"metadata\":{\"k\":\"v\"}}}";
        var keys = codec.decodeClientEncryptionKeys(
                java.util.Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new byte[] {1, 2}, keys.get("client-rsa.pem").keyValue());
        assertEquals(Map.of("k", "v"), keys.get("client-rsa.pem").metadata());
        assertNull(codec.decodeClientEncryptionKeys("key1,key2"));
        assertNull(codec.decodeClientEncryptionKeys(java.util.Base64.getEncoder()
                .encodeToString("{\"k\":{\"metadata\":{}}}".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void malformedJsonIsError3() {
        FrameException e = assertThrows(FrameException.class, () -> codec.decodeProducerFrame("this is not json"));
        assertEquals(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, e.error());
        assertNull(e.context());
        assertEquals(3, e.error().code());
    }

    @Test
    void nonObjectAndTrailingGarbageAreError3() {
        assertEquals(
                WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                assertThrows(FrameException.class, () -> codec.decodeProducerFrame("[1,2]"))
                        .error());
        assertEquals(
                WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                assertThrows(FrameException.class, () -> codec.decodeProducerFrame("{\"payload\":\"\"} x"))
                        .error());
        assertEquals(
                WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                assertThrows(FrameException.class, () -> codec.decodeProducerFrame("{\"payload\":[]}"))
                        .error());
    }

    @Test
    void badBase64AndMissingPayloadAreError7WithContext() {
        FrameException bad = assertThrows(
                FrameException.class,
                () -> codec.decodeProducerFrame("{\"payload\":\"!!!not base64!!!\",\"context\":\"c1\"}"));
        assertEquals(WebSocketError.PAYLOAD_ENCODING_ERROR, bad.error());
        assertEquals("c1", bad.context());
        FrameException missing =
                assertThrows(FrameException.class, () -> codec.decodeProducerFrame("{\"context\":\"c2\"}"));
        assertEquals(WebSocketError.PAYLOAD_ENCODING_ERROR, missing.error());
        assertEquals("c2", missing.context());
        assertEquals("payload is missing", missing.getMessage());
        assertEquals(
                WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                assertThrows(
                                FrameException.class,
                                () -> codec.decodeProducerFrame("{\"payload\":\"eA==\",\"sequenceId\":-1}"))
                        .error());
        FrameException time = assertThrows(
                FrameException.class,
                () -> codec.decodeProducerFrame("{\"payload\":\"eA==\",\"eventTime\":\"not-a-time\"}"));
        assertEquals(WebSocketError.PAYLOAD_ENCODING_ERROR, time.error());
    }

    @Test
    void writesResultsExactlyLikePulsar() {
        assertEquals(
                "{\"result\":\"ok\",\"messageId\":\"CAMQADAA\",\"context\":\"ctx-1\",\"errorCode\":0,\"schemaVersion\":0}",
                codec.encodeSendOk("CAMQADAA", "ctx-1"));
        assertEquals(
                "{\"result\":\"ok\",\"messageId\":\"CAMQATAA\",\"errorCode\":0,\"schemaVersion\":0}",
                codec.encodeSendOk("CAMQATAA", null));
        assertEquals(
                "{\"result\":\"send-error:7\",\"errorMsg\":\"bad \\\"x\\\"\",\"context\":\"c\",\"errorCode\":0,\"schemaVersion\":0}",
                codec.encodeSendError(WebSocketError.PAYLOAD_ENCODING_ERROR, "bad \"x\"", "c"));
        assertTrue(codec.encodeSendError(WebSocketError.UNKNOWN_ERROR, null, null)
                .contains("\"errorMsg\":\"Unknown error\""));
        assertEquals(
                "{\"result\":\"send-error:8\",\"errorMsg\":\"timed out\",\"outcome\":\"unknown\",\"context\":\"c\","
                        + "\"errorCode\":0,\"schemaVersion\":0}",
                codec.encodeSendUnknown("timed out", "c"));
    }

    /** The ok result is written without Jackson when nothing needs escaping; both ways give the same bytes. */
    @Test
    void okResultsAreTheSameOnTheDirectAndTheEscapingPath() {
        // non-ASCII is not escaped (as Jackson does not): direct path
        assertEquals(
                "{\"result\":\"ok\",\"messageId\":\"CAE=\",\"context\":\"caf\u00e9 \u2713/1\",\"errorCode\":0,"
                        + "\"schemaVersion\":0}",
                codec.encodeSendOk("CAE=", "caf\u00e9 \u2713/1"));
        // a quote, a backslash and control characters take Jackson's escaping
        assertEquals(
                "{\"result\":\"ok\",\"messageId\":\"CAE=\",\"context\":\"a\\\"b\\\\c\\nd\\u0001\",\"errorCode\":0,"
                        + "\"schemaVersion\":0}",
                codec.encodeSendOk("CAE=", "a\"b\\c\nd\u0001"));
        assertTrue(FrameWriter.plain("CAMQADAA"));
        assertFalse(FrameWriter.plain("x\ty"));
        assertFalse(FrameWriter.plain("\""));
    }

    @Test
    void writesDeliveredMessagesLikePulsar() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("k1", "v1");
        props.put("k2", "v2");
        String frame = codec.encodeMessage(new DeliveredMessage(
                "CAMQADAA", "hello v2".getBytes(StandardCharsets.UTF_8), props, 1795847351209L, 0, 0, "key-1"));
        assertEquals(
                "{\"messageId\":\"CAMQADAA\",\"payload\":\"aGVsbG8gdjI=\",\"properties\":{\"k1\":\"v1\",\"k2\":\"v2\"},"
                        + "\"publishTime\":\"2026-11-28T06:29:11.209Z\",\"redeliveryCount\":0,\"key\":\"key-1\"}",
                frame);
        String noKey = codec.encodeMessage(new DeliveredMessage("CAMQATAA", new byte[0], Map.of(), 0, 2, 1000, null));
        assertEquals(
                "{\"messageId\":\"CAMQATAA\",\"payload\":\"\",\"properties\":{},\"publishTime\":\"1970-01-01T00:00:00Z\","
                        + "\"redeliveryCount\":2,\"eventTime\":\"1970-01-01T00:00:01Z\"}",
                noKey);
    }

    @Test
    void writesTheEncryptionContextOfMessagesDeliveredEncrypted() {
        EncryptionInfo e = new EncryptionInfo(
                Map.of("client-rsa.pem", new EncryptionInfo.Key(new byte[] {1, 2}, Map.of("k", "v"))),
                new byte[] {3},
                null,
                "LZ4",
                12,
                3);
        String frame =
                codec.encodeMessage(new DeliveredMessage("CAMQADAA", new byte[] {9}, Map.of(), 0, 0, 0, null, e));
        assertTrue(
                frame.endsWith(",\"encryptionContext\":{\"keys\":{\"client-rsa.pem\":{\"keyValue\":\"AQI=\","
                        + "\"metadata\":{\"k\":\"v\"}}},\"param\":\"Aw==\",\"compressionType\":\"LZ4\","
                        + "\"uncompressedMessageSize\":12,\"batchSize\":3}}"),
                frame);
    }

    @Test
    void readsConsumerCommands() throws FrameException {
        ConsumerCommand ack = codec.decodeConsumerCommand("{\"messageId\":\"CAMQADAA\"}");
        assertEquals(ConsumerCommand.Type.ACK, ack.type());
        assertArrayEquals(new byte[] {8, 3, 16, 0, 48, 0}, ack.messageIdBytes());
        assertEquals(
                ConsumerCommand.Type.NEGATIVE_ACKNOWLEDGE,
                codec.decodeConsumerCommand("{\"type\":\"negativeAcknowledge\",\"messageId\":\"CAMQADAA\"}")
                        .type());
        assertEquals(
                7,
                codec.decodeConsumerCommand("{\"type\":\"permit\",\"permitMessages\":7}")
                        .permitMessages());
        assertEquals(
                ConsumerCommand.Type.UNSUBSCRIBE,
                codec.decodeConsumerCommand("{\"type\":\"unsubscribe\"}").type());
        assertEquals(
                ConsumerCommand.Type.IS_END_OF_TOPIC,
                codec.decodeConsumerCommand("{\"type\":\"isEndOfTopic\"}").type());
        assertEquals(
                ConsumerCommand.Type.ACK,
                codec.decodeConsumerCommand("{\"type\":\"whatever\",\"messageId\":\"CAMQADAA\"}")
                        .type(),
                "Pulsar treats unknown types as acks");
        assertEquals(
                ConsumerCommand.Type.ACK_CUMULATIVE,
                codec.decodeConsumerCommand("{\"type\":\"ackCumulative\",\"messageId\":\"CAMQADAA\"}")
                        .type());
        ConsumerCommand seekTime = codec.decodeConsumerCommand("{\"type\":\"seek\",\"timestamp\":1700000000000}");
        assertEquals(ConsumerCommand.Type.SEEK, seekTime.type());
        assertEquals(1700000000000L, seekTime.timestamp());
        assertNull(seekTime.messageId());
        assertEquals(
                "CAMQADAA",
                codec.decodeConsumerCommand("{\"type\":\"seek\",\"messageId\":\"CAMQADAA\"}")
                        .messageId());
    }

    @Test
    void badConsumerCommandsAreError3() {
        for (String bad : List.of(
                "garbage, not json",
                "{}",
                "{\"messageId\":\"%%%\"}",
                "{\"type\":\"permit\"}",
                "{\"type\":\"seek\"}",
                "{\"type\":\"seek\",\"timestamp\":1,\"messageId\":\"CAMQADAA\"}",
                "{\"type\":\"ackCumulative\"}",
                "{\"type\":\"permit\",\"permitMessages\":0}",
                "{\"messageId\":null}")) {
            FrameException e = assertThrows(FrameException.class, () -> codec.decodeConsumerCommand(bad), bad);
            assertEquals(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, e.error(), bad);
            assertEquals(4003, e.error().closeCode());
        }
    }

    @Test
    void writesCommandErrors() {
        assertEquals(
                "{\"type\":\"error\",\"command\":\"seek\",\"errorCode\":8,\"errorMsg\":\"not allowed\"}",
                codec.encodeCommandError("seek", WebSocketError.UNKNOWN_ERROR, "not allowed"));
    }

    @Test
    void endOfTopicIsABoolean() {
        assertEquals("{\"endOfTopic\":false}", codec.encodeEndOfTopic(false));
        assertEquals("{\"endOfTopic\":true}", codec.encodeEndOfTopic(true));
    }

    @Test
    void errorCodesMatchTheApiPage() {
        int expected = 1;
        for (WebSocketError e : WebSocketError.values()) {
            assertEquals(expected, e.code());
            assertEquals("send-error:" + expected, e.sendResult());
            assertEquals(4000 + expected, e.closeCode());
            expected++;
        }
        assertEquals(9, expected);
    }
}
