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
    /**
     * The largest batch a message id may claim (64 times the Pulsar producer's default of 1,000 messages per batch).
     * Pulsar's parser allocates a bit set of {@code batch_size} bits for an id, so a client claiming 2^31-1 would
     * cost 256 MiB per frame; ids are checked against this bound before Pulsar sees them.
     *
     * @since 1.2.0
     */
    public static final int MAX_BATCH_SIZE = 65_536;
    /**
     * The largest serialized message id accepted from a client, topic included.
     *
     * @since 1.2.0
     */
    public static final int MAX_ID_BYTES = 4_096;

    private static final int LEDGER_FIELD = 1;
    private static final int ENTRY_FIELD = 2;
    private static final int PARTITION_FIELD = 3;
    private static final int BATCH_INDEX_FIELD = 4;
    private static final int ACK_SET_FIELD = 5;
    private static final int BATCH_SIZE_FIELD = 6;
    private static final int FIRST_CHUNK_FIELD = 7;
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
            long tag = readVarint(messageId, pos, messageId.length);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            switch (wire) {
                case WIRE_VARINT -> readVarint(messageId, pos, messageId.length);
                case WIRE_64BIT -> skip(messageId, pos, messageId.length, 8);
                case WIRE_32BIT -> skip(messageId, pos, messageId.length, 4);
                case WIRE_LENGTH_DELIMITED -> {
                    long len = readVarint(messageId, pos, messageId.length);
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
     * Checks a message id from a client field by field, before any library parses it: a well-formed protobuf
     * {@code MessageIdData} with a ledger and an entry, a partition of -1 or more, a batch index and size within
     * {@link #MAX_BATCH_SIZE} (the index below the size when both are given), an ack set no longer than such a
     * batch needs, at most one level of first-chunk id (checked the same way), a topic that is valid UTF-8, and at
     * most {@link #MAX_ID_BYTES} bytes in all. Unknown fields are skipped, as Pulsar's parser does.
     *
     * @param messageId the serialized id
     * @throws IllegalArgumentException with a plain reason when the id breaks any of these rules
     * @since 1.2.0
     */
    public static void check(byte[] messageId) {
        checkLength(messageId);
        check(messageId, 0, messageId.length, true);
    }

    /**
     * Decodes a client's base64 message id and {@link #check checks} it; the text's length is bounded before it is
     * decoded.
     *
     * @param base64 the id as the client sent it
     * @return the serialized id
     * @throws IllegalArgumentException with a plain reason when it is longer than {@link #MAX_ID_BYTES}, not base64,
     *     or not a message id this gateway accepts
     * @since 1.2.0
     */
    public static byte[] decode(String base64) {
        if (base64.length() > (MAX_ID_BYTES + 2) / 3 * 4) {
            throw new IllegalArgumentException("longer than " + MAX_ID_BYTES + " bytes");
        }
        byte[] bytes;
        try {
            bytes = java.util.Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64: " + e.getMessage());
        }
        check(bytes);
        return bytes;
    }

    private static void checkLength(byte[] messageId) {
        if (messageId.length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("longer than " + MAX_ID_BYTES + " bytes");
        }
    }

    private static void check(byte[] b, int from, int to, boolean top) {
        boolean ledger = false;
        boolean entry = false;
        long batchIndex = -1;
        long batchSize = 0;
        int ackSetWords = 0;
        int[] pos = {from};
        while (pos[0] < to) {
            long tag = readVarint(b, pos, to);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 0) {
                throw new IllegalArgumentException("field number 0");
            }
            switch (wire) {
                case WIRE_VARINT -> {
                    long v = readVarint(b, pos, to);
                    switch (field) {
                        case LEDGER_FIELD -> ledger = true;
                        case ENTRY_FIELD -> entry = true;
                        case PARTITION_FIELD -> {
                            if ((int) v < -1) {
                                throw new IllegalArgumentException("partition " + (int) v + " is below -1");
                            }
                        }
                        case BATCH_INDEX_FIELD -> batchIndex = (int) v;
                        case BATCH_SIZE_FIELD -> batchSize = (int) v;
                        case ACK_SET_FIELD -> ackSetWords++;
                        default -> {
                            // unknown: skipped
                        }
                    }
                }
                case WIRE_64BIT -> skip(b, pos, to, 8);
                case WIRE_32BIT -> skip(b, pos, to, 4);
                case WIRE_LENGTH_DELIMITED -> {
                    long len = readVarint(b, pos, to);
                    if (len < 0 || len > to - pos[0]) {
                        throw new IllegalArgumentException("truncated field " + field);
                    }
                    int start = pos[0];
                    int end = start + (int) len;
                    if (field == ACK_SET_FIELD) { // packed
                        while (pos[0] < end) {
                            readVarint(b, pos, end);
                            ackSetWords++;
                        }
                    } else if (field == FIRST_CHUNK_FIELD) {
                        if (!top) {
                            throw new IllegalArgumentException("a first-chunk id inside a first-chunk id");
                        }
                        check(b, start, end, false);
                    } else if (field == TOPIC_FIELD && top) {
                        checkUtf8(b, start, end);
                    }
                    pos[0] = end;
                }
                default -> throw new IllegalArgumentException("unsupported wire type " + wire);
            }
            if (ackSetWords > MAX_BATCH_SIZE / Long.SIZE) {
                throw new IllegalArgumentException("ack set longer than a batch of " + MAX_BATCH_SIZE + " needs");
            }
        }
        if (!ledger || !entry) {
            throw new IllegalArgumentException("no " + (ledger ? "entryId" : "ledgerId"));
        }
        if (batchSize < 0 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch size " + batchSize + " is outside 0.." + MAX_BATCH_SIZE);
        }
        if (batchIndex < -1 || batchIndex >= MAX_BATCH_SIZE || batchSize > 0 && batchIndex >= batchSize) {
            throw new IllegalArgumentException("batch index " + batchIndex + " is outside -1.."
                    + ((batchSize > 0 ? batchSize : MAX_BATCH_SIZE) - 1));
        }
    }

    private static void checkUtf8(byte[] b, int from, int to) {
        try {
            java.nio.charset.StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, from, to - from));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("topic is not UTF-8");
        }
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

    private static void skip(byte[] b, int[] pos, int to, int n) {
        if (to - pos[0] < n) {
            throw new IllegalArgumentException("truncated message id");
        }
        pos[0] += n;
    }

    private static long readVarint(byte[] b, int[] pos, int to) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= to) {
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
