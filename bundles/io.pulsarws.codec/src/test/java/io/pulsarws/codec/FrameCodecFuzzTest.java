package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes what clients send to the codec: any text, JSON-shaped text built from the API's own field names with
 * values of every type, and valid frames: a frame is read, or refused with a {@link FrameException} carrying one of
 * the API's codes; no other exception, whatever the input.
 */
class FrameCodecFuzzTest {
    private static final List<String> FIELDS = List.of(
            "payload",
            "properties",
            "context",
            "key",
            "replicationClusters",
            "eventTime",
            "deliverAt",
            "deliverAfterMs",
            "sequenceId",
            "encryptionParam",
            "compressionType",
            "uncompressedMessageSize",
            "type",
            "messageId",
            "permitMessages",
            "timestamp",
            "x");
    private final FrameCodec codec = new FrameCodec();

    @Property(tries = 3000)
    void anyTextIsReadOrRefusedWithAnApiCode(@ForAll @StringLength(max = 300) String text) {
        producer(text);
        consumer(text);
    }

    @Property(tries = 5000)
    void jsonShapedFramesAreReadOrRefusedWithAnApiCode(@ForAll("jsonFrames") String text) {
        producer(text);
        consumer(text);
    }

    @Property(tries = 1000)
    void validSendFramesRoundTripTheirPayload(@ForAll byte[] payload, @ForAll("plainText") String context) {
        String text =
                "{\"payload\":\"" + Base64.getEncoder().encodeToString(payload) + "\",\"context\":\"" + context + "\"}";
        try {
            ProducerFrame f = codec.decodeProducerFrame(text);
            assertArrayEquals(payload, f.payload());
            assertEquals(context, f.context());
        } catch (FrameException e) {
            throw new AssertionError(text + " refused: " + e.getMessage(), e);
        }
    }

    /**
     * The endpoint hands the codec a frame's bytes where it used to hand Jetty's text of them: both readings must
     * give the same frame or the same refusal, for any text (as bytes within a larger buffer).
     */
    @Property(tries = 3000)
    void bytesAreReadAsTheirTextWas(@ForAll("anyFrame") String frame) {
        byte[] utf8 = frame.getBytes(StandardCharsets.UTF_8);
        String text = new String(utf8, StandardCharsets.UTF_8); // what Jetty made of these bytes
        byte[] buffer = new byte[utf8.length + 7];
        System.arraycopy(utf8, 0, buffer, 3, utf8.length);
        assertEquals(
                outcome(() -> describe(codec.decodeProducerFrame(text))),
                outcome(() -> describe(codec.decodeProducerFrame(buffer, 3, utf8.length))),
                text);
        assertEquals(
                outcome(() -> describe(codec.decodeConsumerCommand(text))),
                outcome(() -> describe(codec.decodeConsumerCommand(buffer, 3, utf8.length))),
                text);
    }

    /**
     * Frames of the shape {@link PlainSendFrame} reads without Jackson, and near misses of it (other names, quotes
     * and backslashes in values, repeated fields, trailing content): both routes must give the same frame or the same
     * refusal, and the plain reader must take a good share of them, or this property would compare nothing.
     */
    @Property(tries = 5000)
    void plainFramesAreReadAsJacksonReadsThem(@ForAll("plainFrames") String frame) {
        byte[] utf8 = frame.getBytes(StandardCharsets.UTF_8);
        byte[] buffer = new byte[utf8.length + 5];
        System.arraycopy(utf8, 0, buffer, 2, utf8.length);
        Statistics.label("read without Jackson")
                .collect(PlainSendFrame.read(buffer, 2, utf8.length) != null)
                .coverage(c -> c.check(true).percentage(p -> p > 15)); // about a fifth: 1,000 of 5,000
        assertEquals(
                outcome(() -> describe(codec.decodeProducerFrame(frame))),
                outcome(() -> describe(codec.decodeProducerFrame(buffer, 2, utf8.length))),
                frame);
    }

    @Provide
    Arbitrary<String> plainFrames() {
        Arbitrary<String> space = Arbitraries.of("", "", "", " ", "\n", "\t ", "\r\n");
        Arbitrary<String> value = Arbitraries.frequencyOf(
                Tuple.of(
                        6,
                        Arbitraries.bytes()
                                .array(byte[].class)
                                .ofMaxSize(40)
                                .map(b -> Base64.getEncoder().encodeToString(b))),
                Tuple.of(3, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(12)),
                Tuple.of(1, Arbitraries.of("", "=", "AAE", "AA==", "A===", "AAE=\\n", "\u00e9")));
        Arbitrary<String> name = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.just("payload")),
                Tuple.of(3, Arbitraries.just("context")),
                Tuple.of(3, Arbitraries.just("key")),
                Tuple.of(1, Arbitraries.of("Payload", "keys", "")));
        Arbitrary<String> member = Combinators.combine(space, name, space, space, value, space)
                .as((a, n, b, c, v, d) -> a + "\"" + n + "\"" + b + ":" + c + "\"" + v + "\"" + d);
        Arbitrary<String> tail = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just("")), Tuple.of(1, Arbitraries.of("x", "}", ",", "{}")));
        return Combinators.combine(space, member.list().ofMinSize(1).ofMaxSize(3), space, tail)
                .as((a, members, b, t) -> a + "{" + String.join(",", members) + "}" + b + t);
    }

    @Provide
    Arbitrary<String> anyFrame() {
        return Arbitraries.oneOf(
                jsonFrames(),
                plainFrames(),
                Arbitraries.strings().ofMaxLength(60),
                // a byte-order mark, and zero bytes where Jackson would guess UTF-16 or UTF-32 from bytes
                jsonFrames().map(f -> "\uFEFF" + f),
                jsonFrames().map(f -> "\u0000" + f),
                jsonFrames().map(f -> f.isEmpty() ? f : f.charAt(0) + "\u0000" + f.substring(1)),
                Arbitraries.of("", " ", "\u0000", "\u0000\u0000\u0000{", "{\u0000\"\u0000:1}", "\uFEFF"));
    }

    @FunctionalInterface
    private interface Decode {
        String get() throws FrameException;
    }

    /** @return the frame read, or the refusal's code and context (not its message: parsers word them apart) */
    private static String outcome(Decode d) {
        try {
            return d.get();
        } catch (FrameException e) {
            return "refused " + e.error() + " context " + e.context();
        }
    }

    private static String describe(ProducerFrame f) {
        return java.util.Arrays.toString(f.payload())
                + f.properties()
                + f.context()
                + f.key()
                + f.replicationClusters()
                + f.eventTime()
                + f.deliverAt()
                + f.deliverAfterMs()
                + f.sequenceId()
                + java.util.Arrays.toString(f.encryptionParam())
                + f.compressionType()
                + f.uncompressedMessageSize();
    }

    private static String describe(ConsumerCommand c) {
        return c.type() + " " + c.messageId() + java.util.Arrays.toString(c.messageIdBytes()) + c.permitMessages() + " "
                + c.timestamp();
    }

    private void producer(String text) {
        try {
            assertNotNull(codec.decodeProducerFrame(text).payload());
        } catch (FrameException e) {
            assertDocumented(e, WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, WebSocketError.PAYLOAD_ENCODING_ERROR);
        }
    }

    private void consumer(String text) {
        try {
            ConsumerCommand c = codec.decodeConsumerCommand(text);
            assertNotNull(c.type());
            if (c.messageIdBytes() != null) {
                MessageIds.check(c.messageIdBytes()); // never handed on unchecked
            }
            assertTrue(c.type() != ConsumerCommand.Type.PERMIT || c.permitMessages() > 0);
        } catch (FrameException e) {
            assertDocumented(e, WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON);
        }
    }

    private static void assertDocumented(FrameException e, WebSocketError... allowed) {
        assertTrue(List.of(allowed).contains(e.error()), e.error() + ": " + e.getMessage());
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
    }

    @Provide
    Arbitrary<String> plainText() {
        return Arbitraries.strings().alpha().numeric().ofMaxLength(40);
    }

    @Provide
    Arbitrary<String> jsonFrames() {
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20).map(FrameCodecFuzzTest::jsonString),
                Arbitraries.bytes()
                        .array(byte[].class)
                        .ofMaxSize(30)
                        .map(b -> jsonString(Base64.getEncoder().encodeToString(b))),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.of(
                        "null",
                        "true",
                        "false",
                        "1e400",
                        "-0",
                        "[]",
                        "{}",
                        "[\"a\",1]",
                        "{\"a\":\"b\"}",
                        "{\"a\":{\"b\":[]}}",
                        "\"permit\"",
                        "\"seek\"",
                        "\"ackCumulative\"",
                        "\"CAEQASAAMP////8H\"",
                        "\"CAMQADAA\"",
                        "99999999999999999999",
                        "\"2024-01-01T00:00:00Z\""));
        Arbitrary<String> field =
                Combinators.combine(Arbitraries.of(FIELDS), value).as((k, v) -> jsonString(k) + ":" + v);
        return field.list().ofMaxSize(6).map(fields -> "{" + String.join(",", fields) + "}");
    }

    /** @return {@code s} as a JSON string literal */
    private static String jsonString(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    @Property(tries = 200)
    void deeplyNestedJsonIsRefusedNotOverflowed(
            @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 5000) int depth) {
        String text = "{\"x\":" + "[".repeat(depth) + "]".repeat(depth) + ",\"payload\":\"\"}";
        producer(text);
        consumer(text);
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, text.length());
    }
}
