package io.pulsarws.codec;

/**
 * Client-supplied text made safe to repeat in a log line, an HTTP reason or a close reason: control characters
 * (a newline would forge a log line) and other non-printable characters become {@code \\uXXXX}, and the text is
 * cut to a bounded length.
 *
 * @since 1.2.0
 */
public final class ClientText {
    /** The longest client text repeated, in characters, before the {@code ...} that marks a cut. */
    public static final int MAX_LENGTH = 64;

    private ClientText() {}

    /**
     * @param text what the client sent, or null
     * @return the text with every character outside printable ASCII and letters escaped, at most
     *     {@link #MAX_LENGTH} characters of it (then {@code ...}); {@code null} for null
     */
    public static String quote(String text) {
        return line(text, MAX_LENGTH);
    }

    /**
     * @param text a message that may contain what a client sent, or null
     * @param max the most characters kept
     * @return the text on one printable line (as {@link #quote}), at most {@code max} characters of it
     */
    public static String line(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(text.length(), max) + 8);
        int n = Math.min(text.length(), max);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f || Character.isLetterOrDigit(c)) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (text.length() > max) {
            b.append("...");
        }
        return b.toString();
    }
}
