package io.pulsarws.websocket.internal.edge;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Copies a text message's bytes off Jetty's buffer, joining those a client sent as several frames, within a size
 * limit for the whole message (Jetty limits each frame, not their sum). Used by one connection's reading thread
 * only.
 */
public final class TextFragments {
    private static final byte[] EMPTY = new byte[0];

    private final int maxBytes;
    /** The fragments so far, or null between messages. */
    private byte[] joined;

    private int size;

    /** @param maxBytes the limit of a whole message, in bytes */
    public TextFragments(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * @param payload the bytes of one frame (read from its position to its limit; null for none), valid only
     *     during the call: they are copied
     * @param fin true for the last frame of the message
     * @return the whole message once {@code fin}, otherwise null
     * @throws TooLargeException when the message so far is over the limit (what was joined is dropped)
     */
    public byte[] add(ByteBuffer payload, boolean fin) throws TooLargeException {
        int n = payload == null ? 0 : payload.remaining();
        if (fin && joined == null) {
            // the usual case: a message in one frame, copied once
            if (n > maxBytes) {
                throw new TooLargeException();
            }
            if (n == 0) {
                return EMPTY;
            }
            byte[] whole = new byte[n];
            payload.get(whole);
            return whole;
        }
        if (joined == null) {
            size = 0;
        }
        if (n > maxBytes - size) {
            joined = null;
            throw new TooLargeException();
        }
        if (joined == null) {
            joined = new byte[Math.min(Math.max(n, 256), maxBytes)];
        }
        if (size + n > joined.length) {
            // doubling, up to the limit: a message of the limit's size is copied O(log) times, never more held
            joined = Arrays.copyOf(joined, (int) Math.min(maxBytes, Math.max(size + n, 2L * joined.length)));
        }
        if (n > 0) {
            payload.get(joined, size, n);
            size += n;
        }
        if (!fin) {
            return null;
        }
        byte[] whole = Arrays.copyOf(joined, size);
        joined = null;
        return whole;
    }

    /** A message over the limit. */
    public static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        public TooLargeException() {
            super(null, null, false, false);
        }
    }

    /** @return the UTF-8 length of a string (Jetty limits messages, and budgets count frames, in bytes) */
    public static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
