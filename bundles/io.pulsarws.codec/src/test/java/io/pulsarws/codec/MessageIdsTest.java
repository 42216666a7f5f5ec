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

    /** The frame of the issue: a well-formed id whose batch_size is 2^31-1 (Pulsar would allocate 256 MiB). */
    @Test
    void refusesAHugeBatchSizeBeforePulsarSeesIt() {
        byte[] hostile = Base64.getDecoder().decode("CAEQASAAMP////8H");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageIds.check(hostile));
        assertEquals("batch size 2147483647 is outside 0..65536", e.getMessage());
    }

    @Test
    void acceptsTheIdsPulsarWrites() {
        MessageIds.check(PLAIN);
        MessageIds.check(new byte[] {8, 3, 16, 1, 24, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 32, 1, 48, 5});
        MessageIds.check(MessageIds.withTopic(PLAIN, "persistent://public/default/t"));
        MessageIds.check(MessageIds.entry(300, 7, 2));
        // a chunked message's id: its first chunk nested as field 7
        byte[] first = MessageIds.entry(3, 0, -1);
        byte[] chunked = new byte[PLAIN.length + 2 + first.length];
        System.arraycopy(PLAIN, 0, chunked, 0, PLAIN.length);
        chunked[PLAIN.length] = (7 << 3) | 2;
        chunked[PLAIN.length + 1] = (byte) first.length;
        System.arraycopy(first, 0, chunked, PLAIN.length + 2, first.length);
        MessageIds.check(chunked);
        // the largest batch accepted, its last index: 48 = batch_size, 32 = batch_index (varints of 65536, 65535)
        MessageIds.check(new byte[] {8, 3, 16, 1, 32, -1, -1, 3, 48, -128, -128, 4});
    }

    @Test
    void refusesEveryOtherShape() {
        assertRefused("no entryId", new byte[] {8, 3});
        assertRefused("no ledgerId", new byte[] {16, 3});
        assertRefused("batch index 5 is outside -1..4", new byte[] {8, 3, 16, 1, 32, 5, 48, 5});
        assertRefused("batch index 65536 is outside -1..65535", new byte[] {8, 3, 16, 1, 32, -128, -128, 4});
        assertRefused(
                "batch size -2 is outside 0..65536",
                new byte[] {8, 3, 16, 1, 48, -2, -1, -1, -1, -1, -1, -1, -1, -1, 1});
        assertRefused("partition -2 is below -1", new byte[] {8, 3, 16, 1, 24, -2, -1, -1, -1, -1, -1, -1, -1, -1, 1});
        assertRefused("longer than 4096 bytes", MessageIds.withTopic(PLAIN, "t".repeat(4096)));
        assertRefused("topic is not UTF-8", new byte[] {8, 3, 16, 1, (byte) 0xA2, 6, 1, (byte) 0xFF});
        assertRefused("truncated field 7", new byte[] {8, 3, 16, 1, 58, 9, 8});
        assertRefused("unsupported wire type 3", new byte[] {8, 3, 16, 1, 11});
        assertRefused("field number 0", new byte[] {0, 1, 8, 3, 16, 1});
        byte[] nested = {8, 3, 16, 1, 58, 8, 8, 3, 16, 1, 58, 2, 8, 3};
        assertRefused("a first-chunk id inside a first-chunk id", nested);
        byte[] ackSet = new byte[4 + 3 + 1025];
        System.arraycopy(new byte[] {8, 3, 16, 1, 42, -127, 8}, 0, ackSet, 0, 7); // packed, 1025 one-byte words
        assertRefused("ack set longer than a batch of 65536 needs", Arrays.copyOf(ackSet, 7 + 1025));
    }

    private static void assertRefused(String reason, byte[] id) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MessageIds.check(id));
        assertEquals(reason, e.getMessage());
    }
}
