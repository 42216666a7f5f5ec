package io.pulsarws.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextFragmentsTest {

    @Test
    void joinsFragmentsAndPassesWholeMessagesThrough() throws Exception {
        TextFragments f = new TextFragments(100);
        String whole = "{\"payload\":\"aGk=\"}";
        assertSame(whole, f.add(whole, true));
        assertNull(f.add("{\"pay", false));
        assertNull(f.add("load\":", false));
        assertEquals("{\"payload\":\"aGk=\"}", f.add("\"aGk=\"}", true));
        assertSame(whole, f.add(whole, true), "the next message starts afresh");
    }

    @Test
    void limitsTheWholeMessageInUtf8Bytes() throws Exception {
        TextFragments f = new TextFragments(10);
        assertNull(f.add("ééé", false)); // 6 bytes
        assertThrows(TextFragments.TooLargeException.class, () -> f.add("ééé", true)); // 12
        assertEquals("€", f.add("€", true), "dropped, then the next message is fine");
        assertEquals(3, TextFragments.utf8Length("€"));
        assertEquals(4, TextFragments.utf8Length("\ud83d\ude00"));
        assertEquals(3, TextFragments.utf8Length("\ud83d"), "an unpaired surrogate is written as 3 bytes");
    }
}
