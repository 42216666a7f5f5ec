package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class MessageIdsTest {
    /** ledgerId 3, entryId 0, batch size 0, as Pulsar's service sends it. */
    private static final byte[] PLAIN = Base64.getDecoder().decode("CAMQADAA");

    @Test
    void roundTripsTheTopicAndKeepsThePulsarFieldsFirst() {
        String topic = "persistent://public/default/t-partition-1";
        byte[] id = MessageIds.withTopic(PLAIN, topic);
        assertArrayEquals(PLAIN, Arrays.copyOf(id, PLAIN.length));
        assertEquals(topic, MessageIds.topicOf(id));
    }

    @Test
    void pulsarIdsCarryNoTopic() {
        assertNull(MessageIds.topicOf(PLAIN));
        // a batch id with a negative partition (10-byte varint) and a batch index
        byte[] batch = {8, 3, 16, 1, 24, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 32, 1, 48, 5};
        assertNull(MessageIds.topicOf(batch));
        assertEquals("x/ü", MessageIds.topicOf(MessageIds.withTopic(batch, "x/ü")));
    }

    @Test
    void writesEntryIds() {
        assertArrayEquals(new byte[] {8, 3, 16, 0}, MessageIds.entry(3, 0, -1));
        assertArrayEquals(new byte[] {8, (byte) 0xAC, 2, 16, 7, 24, 2}, MessageIds.entry(300, 7, 2));
    }

    @Test
    void rejectsMalformedBytes() {
        assertThrows(IllegalArgumentException.class, () -> MessageIds.topicOf(new byte[] {8}));
        assertThrows(IllegalArgumentException.class, () -> MessageIds.topicOf(new byte[] {(byte) 0xA2, 6, 50}));
        assertThrows(IllegalArgumentException.class, () -> MessageIds.topicOf(new byte[] {11}));
    }
}
