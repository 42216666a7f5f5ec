package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextFragmentsTest {

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void joinsFragmentsAndPassesWholeMessagesThrough() throws Exception {
        TextFragments f = new TextFragments(100);
        String whole = "{\"payload\":\"aGk=\"}";
        assertEquals(whole, text(f.add(utf8(whole), true)));
        assertNull(f.add(utf8("{\"pay"), false));
        assertNull(f.add(null, false)); // an empty fragment
        assertNull(f.add(utf8("load\":"), false));
        assertEquals("{\"payload\":\"aGk=\"}", text(f.add(utf8("\"aGk=\"}"), true)));
        assertEquals(whole, text(f.add(utf8(whole), true)), "the next message starts afresh");
        assertArrayEquals(new byte[0], f.add(null, true));
    }

    /** A character may be split between frames: the bytes are joined as they came. */
    @Test
    void joinsACharacterSplitBetweenFrames() throws Exception {
        TextFragments f = new TextFragments(100);
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        assertNull(f.add(ByteBuffer.wrap(euro, 0, 1), false));
        assertEquals("€", text(f.add(ByteBuffer.wrap(euro, 1, 2), true)));
    }

    /** Reads only the frame's range of Jetty's buffer, and grows its own past the first guess. */
    @Test
    void copiesTheFramesRangeAndGrows() throws Exception {
        TextFragments f = new TextFragments(10_000);
        ByteBuffer buffer = utf8("xx" + "a".repeat(300) + "yy");
        buffer.position(2).limit(302);
        assertNull(f.add(buffer, false));
        assertEquals("a".repeat(300) + "b".repeat(700), text(f.add(utf8("b".repeat(700)), true)));
    }

    @Test
    void limitsTheWholeMessageInBytes() throws Exception {
        TextFragments f = new TextFragments(10);
        assertNull(f.add(utf8("ééé"), false)); // 6 bytes
        assertThrows(TextFragments.TooLargeException.class, () -> f.add(utf8("ééé"), true)); // 12
        assertEquals("€", text(f.add(utf8("€"), true)), "dropped, then the next message is fine");
        assertEquals("0123456789", text(f.add(utf8("0123456789"), true)), "exactly the limit");
        assertThrows(TextFragments.TooLargeException.class, () -> f.add(utf8("0123456789a"), true), "one frame");
        assertThrows(TextFragments.TooLargeException.class, () -> f.add(utf8("0123456789a"), false), "a first one");
        assertEquals(3, TextFragments.utf8Length("€"));
        assertEquals(4, TextFragments.utf8Length("\ud83d\ude00"));
        assertEquals(3, TextFragments.utf8Length("\ud83d"), "an unpaired surrogate is written as 3 bytes");
    }
}
