package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link FrameCodec#splitFrames}: the frames of an HTTP body, found without being read. */
class FrameSpansTest {
    private final FrameCodec codec = new FrameCodec();

    private static String[] frames(String body, FrameSpans s) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String[] out = new String[s.count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new String(b, s.offsets()[i], s.lengths()[i], StandardCharsets.UTF_8);
        }
        return out;
    }

    private FrameSpans split(String body, int max) {
        return codec.splitFrames(body.getBytes(StandardCharsets.UTF_8), max);
    }

    @Test
    void oneFrameOrAnArrayOfThem() {
        String one = " {\"payload\":\"aGk=\",\"properties\":{\"a\":\"}\"}} ";
        FrameSpans s = split(one, 10);
        assertFalse(s.array());
        assertArrayEquals(new String[] {"{\"payload\":\"aGk=\",\"properties\":{\"a\":\"}\"}}"}, frames(one, s));
        String many = "[ {\"payload\":\"\u00e9\"} ,{\"x\":[1,{\"y\":2}]},{}]";
        FrameSpans m = split(many, 3);
        assertTrue(m.array());
        assertArrayEquals(new String[] {"{\"payload\":\"\u00e9\"}", "{\"x\":[1,{\"y\":2}]}", "{}"}, frames(many, m));
        assertEquals(0, split("[]", 3).count());
    }

    @Test
    void anythingElseIsRefusedWithAPlainReason() {
        assertEquals(
                "more than 2 frames in one request",
                assertThrows(IllegalArgumentException.class, () -> split("[{},{},{}]", 2))
                        .getMessage());
        assertEquals(
                "every element of the array must be a frame (a JSON object)",
                assertThrows(IllegalArgumentException.class, () -> split("[{}, 1]", 5))
                        .getMessage());
        assertEquals(
                "the body must be a frame (a JSON object) or an array of frames",
                assertThrows(IllegalArgumentException.class, () -> split("\"x\"", 5))
                        .getMessage());
        assertEquals(
                "nothing may follow the frame or the array of frames",
                assertThrows(IllegalArgumentException.class, () -> split("{} {}", 5))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> split("{\"a\":", 5))
                .getMessage()
                .startsWith("the body is not JSON"));
        assertThrows(IllegalArgumentException.class, () -> split("", 5));
        assertThrows(IllegalArgumentException.class, () -> split("[{}", 5));
    }
}
