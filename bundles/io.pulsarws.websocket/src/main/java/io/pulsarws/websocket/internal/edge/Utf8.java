package io.pulsarws.websocket.internal.edge;

/**
 * Checks that a text message is UTF-8 as RFC 3629 defines it, which RFC 6455 requires of every text message: no
 * overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF, no sequence cut short. ASCII, the usual
 * content of the API's frames, takes one comparison per byte.
 */
public final class Utf8 {
    private Utf8() {}

    /** @return true if {@code length} bytes of {@code b} from {@code offset} are well-formed UTF-8 */
    public static boolean isValid(byte[] b, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                return false; // a continuation byte where a character starts, or an overlong 2-byte form
            } else if (c < 0xE0) {
                if (i + 1 >= end || !continuation(b[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if (!continuation(b[i + 1]) || !continuation(b[i + 2])) {
                    return false;
                }
                if (c == 0xE0 && c1 < 0xA0 || c == 0xED && c1 >= 0xA0) {
                    return false; // overlong, or a surrogate
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xFF;
                if (!continuation(b[i + 1]) || !continuation(b[i + 2]) || !continuation(b[i + 3])) {
                    return false;
                }
                if (c == 0xF0 && c1 < 0x90 || c == 0xF4 && c1 >= 0x90) {
                    return false; // overlong, or above U+10FFFF
                }
                i += 4;
            } else {
                return false; // F5-FF start nothing
            }
        }
        return true;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
