package io.pulsarws.websocket.internal;

/**
 * Joins a text message that a client sent as several frames, within a size limit for the whole message (Jetty's
 * partial listener limits each frame, not their sum). Used by one connection's reading thread only.
 */
final class TextFragments {
    private final long maxBytes;
    /** The fragments so far, or null between messages. */
    private StringBuilder joined;

    private long bytes;

    /** @param maxBytes the limit of a whole message, in UTF-8 bytes */
    TextFragments(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * @param payload the text of one frame
     * @param fin true for the last frame of the message
     * @return the whole message once {@code fin}, otherwise null
     * @throws TooLargeException when the message so far is over the limit (what was joined is dropped)
     */
    String add(String payload, boolean fin) throws TooLargeException {
        if (fin && joined == null) {
            return payload; // the usual case: a message in one frame, handed on as it is
        }
        if (joined == null) {
            joined = new StringBuilder();
            bytes = 0;
        }
        bytes += utf8Length(payload);
        if (bytes > maxBytes) {
            joined = null;
            throw new TooLargeException();
        }
        joined.append(payload);
        if (!fin) {
            return null;
        }
        String text = joined.toString();
        joined = null;
        return text;
    }

    /** A message over the limit. */
    static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        TooLargeException() {
            super(null, null, false, false);
        }
    }

    /** @return the UTF-8 length of a string (Jetty limits messages, and budgets count frames, in bytes) */
    static long utf8Length(String s) {
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
