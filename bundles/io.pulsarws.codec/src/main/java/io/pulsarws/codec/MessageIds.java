package io.pulsarws.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Serialized Pulsar message ids ({@code MessageIdData} protobuf): puts a topic name into one and takes it out
 * again, and writes the id of a whole entry.
 *
 * <p>Pulsar serializes a multi-topic message id without its topic, so an id received from a v3 (multi-topic)
 * session can only be acknowledged on that same connection. This gateway appends the topic as protobuf field
 * {@value #TOPIC_FIELD} (length-delimited UTF-8). Pulsar's parser skips unknown fields, so such an id still reads
 * as the same message id everywhere else, including in Pulsar's own WebSocket service.
 */
public final class MessageIds {
    /** Protobuf field number of the topic; far above MessageIdData's own fields (1 to 7). */
    public static final int TOPIC_FIELD = 100;
    private static final int WIRE_VARINT = 0;
    private static final int WIRE_64BIT = 1;
    private static final int WIRE_LENGTH_DELIMITED = 2;
    private static final int WIRE_32BIT = 5;

    private MessageIds() {}

    /**
     * @param messageId a serialized MessageIdData
     * @param topic the topic the message belongs to
     * @return the same id with the topic appended
     */
    public static byte[] withTopic(byte[] messageId, String topic) {
        byte[] name = topic.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(messageId.length + name.length + 8);
        out.write(messageId, 0, messageId.length);
        writeVarint(out, (TOPIC_FIELD << 3) | WIRE_LENGTH_DELIMITED);
        writeVarint(out, name.length);
        out.write(name, 0, name.length);
        return out.toByteArray();
    }

    /**
     * @param messageId a serialized MessageIdData, possibly with a topic appended
     * @return the topic, or null if the id carries none
     * @throws IllegalArgumentException if the bytes are not a well-formed protobuf message
     */
    public static String topicOf(byte[] messageId) {
        int[] pos = {0};
        while (pos[0] < messageId.length) {
            long tag = readVarint(messageId, pos);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            switch (wire) {
                case WIRE_VARINT -> readVarint(messageId, pos);
                case WIRE_64BIT -> skip(messageId, pos, 8);
                case WIRE_32BIT -> skip(messageId, pos, 4);
                case WIRE_LENGTH_DELIMITED -> {
                    long len = readVarint(messageId, pos);
                    if (len < 0 || len > messageId.length - pos[0]) {
                        throw new IllegalArgumentException("truncated field " + field);
                    }
                    if (field == TOPIC_FIELD) {
                        return new String(messageId, pos[0], (int) len, StandardCharsets.UTF_8);
                    }
                    pos[0] += (int) len;
                }
                default -> throw new IllegalArgumentException("unsupported wire type " + wire);
            }
        }
        return null;
    }

    /**
     * @param ledgerId the ledger
     * @param entryId the entry in the ledger
     * @param partition the partition index, or -1 for a non-partitioned topic
     * @return the serialized id of the whole entry (all messages of a batch)
     */
    public static byte[] entry(long ledgerId, long entryId, int partition) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(24);
        writeVarint(out, (1 << 3) | WIRE_VARINT);
        writeVarint(out, ledgerId);
        writeVarint(out, (2 << 3) | WIRE_VARINT);
        writeVarint(out, entryId);
        if (partition >= 0) {
            writeVarint(out, (3 << 3) | WIRE_VARINT);
            writeVarint(out, partition);
        }
        return out.toByteArray();
    }

    private static void skip(byte[] b, int[] pos, int n) {
        if (b.length - pos[0] < n) {
            throw new IllegalArgumentException("truncated message id");
        }
        pos[0] += n;
    }

    private static long readVarint(byte[] b, int[] pos) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) {
                throw new IllegalArgumentException("truncated varint");
            }
            byte x = b[pos[0]++];
            value |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
