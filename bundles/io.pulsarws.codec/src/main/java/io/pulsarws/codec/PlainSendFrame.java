package io.pulsarws.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The shape nearly every producer frame has, read in one pass over its bytes without a JSON parser: an object of
 * at most the fields {@code payload}, {@code context} and {@code key}, each once, each a string of printable ASCII
 * with no escape, with JSON whitespace anywhere between tokens. Anything else (another field, a number, an escape,
 * a byte outside printable ASCII, a repeated field, no payload, trailing content) is not this shape: the reader
 * answers null and the frame goes to Jackson, whose reading this one must equal for every frame it accepts (a
 * property test checks both on the same frames).
 *
 * <p>Jackson's set-up for each frame (encoding detection, symbol table, text buffer) cost more than the rest of
 * its parse for these small frames.
 */
final class PlainSendFrame {
    private static final int PAYLOAD = 1;
    private static final int CONTEXT = 2;
    private static final int KEY = 4;

    /**
     * The values read; null where the field was absent.
     *
     * @param payload the payload's base64 where it stands in the frame, to be decoded from there without a copy
     */
    record Fields(ByteBuffer payload, String context, String key) {}

    private PlainSendFrame() {}

    /**
     * @return the three fields of a frame of the plain shape, or null if the frame has any other shape
     */
    static Fields read(byte[] b, int offset, int length) {
        int end = offset + length;
        int i = skipSpace(b, offset, end);
        if (i == end || b[i] != '{') {
            return null;
        }
        i = skipSpace(b, i + 1, end);
        ByteBuffer payload = null;
        String context = null;
        String key = null;
        int seen = 0;
        if (i < end && b[i] == '}') {
            return null; // no payload: Jackson words the refusal
        }
        while (true) {
            // "name"
            int nameEnd = stringEnd(b, i, end);
            if (nameEnd < 0) {
                return null;
            }
            int field = field(b, i + 1, nameEnd);
            if (field == 0 || (seen & field) != 0) {
                return null;
            }
            seen |= field;
            i = skipSpace(b, nameEnd + 1, end);
            if (i == end || b[i] != ':') {
                return null;
            }
            i = skipSpace(b, i + 1, end);
            // "value"
            int valueEnd = stringEnd(b, i, end);
            if (valueEnd < 0) {
                return null;
            }
            switch (field) {
                case PAYLOAD -> payload = ByteBuffer.wrap(b, i + 1, valueEnd - i - 1);
                case CONTEXT -> context = text(b, i + 1, valueEnd);
                default -> key = text(b, i + 1, valueEnd);
            }
            i = skipSpace(b, valueEnd + 1, end);
            if (i == end) {
                return null;
            }
            if (b[i] == '}') {
                break;
            }
            if (b[i] != ',') {
                return null;
            }
            i = skipSpace(b, i + 1, end);
        }
        if (skipSpace(b, i + 1, end) != end || payload == null) {
            return null;
        }
        return new Fields(payload, context, key);
    }

    /** @return the plain ASCII between {@code from} and {@code to} as a string */
    private static String text(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** @return the index of the closing quote of a plain string starting at {@code i}, or -1 */
    private static int stringEnd(byte[] b, int i, int end) {
        if (i >= end || b[i] != '"') {
            return -1;
        }
        for (int j = i + 1; j < end; j++) {
            byte c = b[j];
            if (c == '"') {
                return j;
            }
            if (c < 0x20 || c > 0x7E || c == '\\') {
                return -1; // a control character, non-ASCII or an escape: Jackson reads it
            }
        }
        return -1;
    }

    private static int field(byte[] b, int from, int to) {
        if (is(b, from, to, "payload")) {
            return PAYLOAD;
        }
        if (is(b, from, to, "context")) {
            return CONTEXT;
        }
        return is(b, from, to, "key") ? KEY : 0;
    }

    private static boolean is(byte[] b, int from, int to, String name) {
        if (to - from != name.length()) {
            return false;
        }
        for (int k = 0; k < name.length(); k++) {
            if (b[from + k] != name.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** @return the first index at or after {@code i} that is not JSON whitespace */
    private static int skipSpace(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
            i++;
        }
        return i;
    }
}
