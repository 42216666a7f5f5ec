package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PlainSendFrameTest {

    private static PlainSendFrame.Fields read(String frame) {
        byte[] b = ("##" + frame + "##").getBytes(StandardCharsets.UTF_8);
        return PlainSendFrame.read(b, 2, b.length - 4);
    }

    /** Buffers are equal by their remaining bytes: where the payload stands in the frame does not matter. */
    private static ByteBuffer base64(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void theUsualFramesAreReadWithoutAParser() {
        assertEquals(
                new PlainSendFrame.Fields(base64("AAE="), "17", null),
                read("{\"payload\":\"AAE=\",\"context\":\"17\"}"));
        assertEquals(
                new PlainSendFrame.Fields(base64("AAE="), null, "k 1"),
                read(" \r\n{ \"key\" : \"k 1\" ,\t\"payload\":\"AAE=\" }\n"));
        assertEquals(
                new PlainSendFrame.Fields(base64(""), "", ""),
                read("{\"payload\":\"\",\"context\":\"\",\"key\":\"\"}"));
    }

    @Test
    void everyOtherShapeIsLeftToJackson() {
        for (String frame : new String[] {
            "",
            "{}",
            "[]",
            "{\"context\":\"1\"}", // no payload: Jackson words the refusal
            "{\"payload\":\"AAE=\",\"payload\":\"AAA=\"}", // repeated
            "{\"payload\":\"AAE=\",\"context\":1}", // a number
            "{\"payload\":\"AAE=\",\"properties\":{}}", // another field
            "{\"payload\":\"AA\\u0045=\"}", // an escape
            "{\"payload\":\"AAE=\",\"key\":\"\u00e9\"}", // non-ASCII
            "{\"payload\":\"AAE=\",\"key\":\"a\tb\"}", // a raw control character
            "{\"payload\":\"AAE=\"}x", // trailing content
            "{\"payload\":\"AAE=\"}}",
            "{\"payload\":\"AAE=\",}", // a trailing comma
            "{\"payload\":\"AAE=\" \"key\":\"k\"}", // a missing comma
            "{\"payload\" \"AAE=\"}",
            "{\"payload\":\"AAE=",
            "{\"Payload\":\"AAE=\"}",
            "\uFEFF{\"payload\":\"AAE=\"}",
        }) {
            assertNull(read(frame), frame);
        }
    }
}
