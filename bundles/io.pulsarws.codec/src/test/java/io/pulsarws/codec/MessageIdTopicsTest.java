package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class MessageIdTopicsTest {
    /** ledgerId 3, entryId 0, batch size 0, as Pulsar's service sends it. */
    private static final byte[] PLAIN = Base64.getDecoder().decode("CAMQADAA");

    @Test
    void roundTripsTheTopicAndKeepsThePulsarFieldsFirst() {
        String topic = "persistent://public/default/t-partition-1";
        byte[] id = MessageIdTopics.withTopic(PLAIN, topic);
        assertArrayEquals(PLAIN, Arrays.copyOf(id, PLAIN.length));
        assertEquals(topic, MessageIdTopics.topicOf(id));
    }

    @Test
    void pulsarIdsCarryNoTopic() {
        assertNull(MessageIdTopics.topicOf(PLAIN));
        // a batch id with a negative partition (10-byte varint) and a batch index
        byte[] batch = {8, 3, 16, 1, 24, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 32, 1, 48, 5};
        assertNull(MessageIdTopics.topicOf(batch));
        assertEquals("x/ü", MessageIdTopics.topicOf(MessageIdTopics.withTopic(batch, "x/ü")));
    }

    @Test
    void rejectsMalformedBytes() {
        assertThrows(IllegalArgumentException.class, () -> MessageIdTopics.topicOf(new byte[] {8}));
        assertThrows(IllegalArgumentException.class, () -> MessageIdTopics.topicOf(new byte[] {(byte) 0xA2, 6, 50}));
        assertThrows(IllegalArgumentException.class, () -> MessageIdTopics.topicOf(new byte[] {11}));
    }
}
