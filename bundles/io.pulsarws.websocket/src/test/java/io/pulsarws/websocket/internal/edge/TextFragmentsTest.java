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

    /**
     * Issue 21: the buffer a message being received needs is charged to its principal before it is allocated or
     * grown, and given back when the message is complete, dropped, or its connection ends. A message in one piece is
     * copied once and handed on at once: not charged.
     */
    @Test
    void chargesTheBufferToItsPrincipalAndGivesItBack() throws Exception {
        Receiving node = new Receiving();
        TextFragments mallory = new TextFragments(100_000, node.account("role mallory", 20_000, 1 << 20));
        assertEquals(5, mallory.add(utf8("hello"), true).length);
        assertEquals(0, node.held(), "a whole message is not held");
        assertNull(mallory.add(utf8("a".repeat(1000)), false));
        assertEquals(1000, mallory.held());
        assertNull(mallory.add(utf8("b".repeat(1000)), false));
        assertEquals(2000, node.of("role mallory"), "grown to what the fragments need");
        assertEquals(2001, mallory.add(utf8("c"), true).length);
        assertEquals(0, node.held(), "given back with the message");
        assertEquals(0, node.owners(), "no entry left");

        // a second connection of the same principal shares its bound; another principal's does not
        TextFragments again = new TextFragments(100_000, node.account("role mallory", 20_000, 1 << 20));
        TextFragments alice = new TextFragments(100_000, node.account("role alice", 20_000, 1 << 20));
        assertNull(mallory.add(utf8("a".repeat(15_000)), false));
        TextFragments.OverBudgetException over =
                assertThrows(TextFragments.OverBudgetException.class, () -> again.add(utf8("x".repeat(6000)), false));
        assertEquals(Receiving.Verdict.OVER_PRINCIPAL, over.verdict());
        assertEquals(0, again.held(), "the refused one holds nothing");
        assertEquals(1, node.refusedAtPrincipal(), "counted");
        assertNull(alice.add(utf8("x".repeat(6000)), false));
        assertEquals(21_000, node.held());
        mallory.discard(); // the connection ended with its message cut short
        assertEquals(6000, node.held(), "alice's only");
        assertNull(mallory.add(utf8("late"), false));
        assertEquals(6000, node.held(), "a piece read after the end is given back at once");
    }

    /** The node's bound applies to all principals together; a principal holding nothing is refused too. */
    @Test
    void theNodesBoundIsSharedByEveryPrincipal() throws Exception {
        Receiving node = new Receiving();
        TextFragments a = new TextFragments(100_000, node.account("address 10.0.0.1", 0, 10_000));
        TextFragments b = new TextFragments(100_000, node.account("address 10.0.0.2", 0, 10_000));
        assertNull(a.add(utf8("a".repeat(8000)), false));
        TextFragments.OverBudgetException over =
                assertThrows(TextFragments.OverBudgetException.class, () -> b.add(utf8("b".repeat(3000)), false));
        assertEquals(Receiving.Verdict.OVER_NODE, over.verdict());
        assertEquals(8000, node.held());
        assertNull(b.add(utf8("b".repeat(2000)), false), "what fits, fits");
        TextFragments.OverBudgetException grown =
                assertThrows(TextFragments.OverBudgetException.class, () -> a.add(utf8("a".repeat(100)), false));
        assertEquals(Receiving.Verdict.OVER_NODE, grown.verdict(), "growing past it is refused as well");
        assertEquals(2000, node.held(), "a's message dropped, its buffer given back");
        assertEquals(2, node.refusedAtNode());
        assertEquals(0, node.refusedAtPrincipal());
        assertEquals("b".repeat(2000) + "!", text(b.add(utf8("!"), true)));
        assertEquals(0, node.held());
    }
}
