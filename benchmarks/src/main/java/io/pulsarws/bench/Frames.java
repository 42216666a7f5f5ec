package io.pulsarws.bench;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * The few JSON frames of Pulsar's WebSocket API the load tool writes and reads, by hand: the tool must stay cheaper
 * than what it measures, and the frames it reads are flat objects whose string values are base64 or decimal.
 *
 * <p>Every payload starts with the 8-byte {@link System#nanoTime()} of its intended send, so that a consumer in
 * the same JVM measures publish-to-delivery latency from the payload alone; the rest is filler.
 */
final class Frames {
    /** The smallest payload: the timestamp plus two filler bytes (10 B, the smallest size the tool offers). */
    static final int MIN_PAYLOAD = 10;

    private Frames() {}

    /** A payload of {@code size} bytes stamped with {@code nanos}. */
    static byte[] payload(int size, long nanos) {
        byte[] b = new byte[Math.max(size, MIN_PAYLOAD)];
        Arrays.fill(b, 8, b.length, (byte) 'x');
        ByteBuffer.wrap(b).putLong(0, nanos);
        return b;
    }

    /** The stamp of a payload written by {@link #payload}. */
    /** Words the JSON payloads are made of: an order event's vocabulary. */
    private static final String[] WORDS = {
        "pending", "paid", "shipped", "delivered", "cancelled", "standard", "express", "pickup", "Berlin", "Lisbon",
        "Osaka", "Toronto", "widget", "gadget", "sprocket", "gizmo", "blue", "green", "large", "small"
    };

    /**
     * A payload of {@code size} bytes stamped with {@code nanos}, the rest JSON text of the kind applications send
     * (an order event, its values drawn at random), so that compression finds what it would find in real traffic.
     */
    static byte[] json(int size, long nanos) {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        StringBuilder t = new StringBuilder(size + 128);
        t.append("{\"orderId\":").append(r.nextLong(1_000_000_000L)).append(",\"items\":[");
        for (int i = 0; t.length() < size; i++) {
            t.append(i == 0 ? "" : ",")
                    .append("{\"sku\":\"")
                    .append(WORDS[r.nextInt(WORDS.length)])
                    .append('-')
                    .append(r.nextInt(10_000))
                    .append("\",\"qty\":")
                    .append(1 + r.nextInt(9))
                    .append(",\"price\":")
                    .append(r.nextInt(100_000) / 100.0)
                    .append(",\"status\":\"")
                    .append(WORDS[r.nextInt(5)])
                    .append("\",\"city\":\"")
                    .append(WORDS[8 + r.nextInt(4)])
                    .append("\"}");
        }
        t.append("]}");
        byte[] text = t.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] b = new byte[Math.max(size, MIN_PAYLOAD)];
        System.arraycopy(text, 0, b, 8, Math.min(text.length, b.length - 8));
        ByteBuffer.wrap(b).putLong(0, nanos);
        return b;
    }

    static long stamp(byte[] payload) {
        return ByteBuffer.wrap(payload).getLong(0);
    }

    /** The stamp of a base64 payload: only its first 12 characters (9 bytes) are decoded. */
    static long stampOfBase64(String base64) {
        if (base64 == null || base64.length() < 12) {
            return -1;
        }
        return ByteBuffer.wrap(Base64.getDecoder().decode(base64.substring(0, 12)))
                .getLong(0);
    }

    /** A producer frame: the payload in base64 and the context the result frame echoes. */
    static String produce(byte[] payload, long context) {
        return "{\"payload\":\"" + Base64.getEncoder().encodeToString(payload) + "\",\"context\":\"" + context + "\"}";
    }

    /** An acknowledgement frame for a delivered message. */
    static String ack(String messageId) {
        return "{\"messageId\":\"" + messageId + "\"}";
    }

    /**
     * The string value of a top-level field, or null; values must hold no escaped quote (true of everything the
     * WebSocket API sends in these fields: base64, decimal, {@code ok}/{@code send-error:N}).
     */
    static String field(String json, String name) {
        String key = "\"" + name + "\"";
        int at = json.indexOf(key);
        while (at >= 0) {
            int i = at + key.length();
            while (i < json.length() && json.charAt(i) == ' ') {
                i++;
            }
            if (i < json.length() && json.charAt(i) == ':') {
                i++;
                while (i < json.length() && json.charAt(i) == ' ') {
                    i++;
                }
                if (i < json.length() && json.charAt(i) == '"') {
                    int end = json.indexOf('"', i + 1);
                    return end < 0 ? null : json.substring(i + 1, end);
                }
                return null;
            }
            at = json.indexOf(key, at + 1);
        }
        return null;
    }

    /** The context of a result frame as a number, or -1. */
    static long context(String json) {
        String c = field(json, "context");
        if (c == null) {
            return -1;
        }
        try {
            return Long.parseLong(c);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
