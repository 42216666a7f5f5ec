package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.Limits.MAX_QUOTED;

import java.util.ArrayList;
import java.util.List;

/** A value that does not fit, with where (built as it propagates) and why; cheap, without a stack trace. */
final class Mismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<Object> reversedPath = new ArrayList<>(4);

    Mismatch(String message) {
        super(message, null, false, false);
    }

    /** @return this, one key or index further from the root */
    Mismatch under(Object segment) {
        reversedPath.add(segment);
        return this;
    }

    /** @return e.g. {@code $.address.zip: expected int, not a string} */
    String describe() {
        StringBuilder text = new StringBuilder("$");
        for (int i = reversedPath.size() - 1; i >= 0; i--) {
            Object segment = reversedPath.get(i);
            if (segment instanceof Integer) {
                text.append('[').append(segment).append(']');
            } else if (isIdentifier((String) segment)) {
                text.append('.').append(segment);
            } else {
                text.append('[').append(quote((String) segment)).append(']');
            }
        }
        return text.append(": ").append(abbreviateMessage(getMessage())).toString();
    }

    private static boolean isIdentifier(String key) {
        if (key.isEmpty() || key.length() > MAX_QUOTED || Character.isDigit(key.charAt(0))) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviateMessage(String message) {
        StringBuilder clean = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < message.length()
                    && Character.isLowSurrogate(message.charAt(i + 1))) {
                clean.append(c).append(message.charAt(++i));
            } else {
                clean.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return clean.toString();
    }

    /** @return text from the input for a message: quoted, cut short, without unpaired surrogates */
    static String quote(String text) {
        return "'" + abbreviate(text) + "'";
    }

    static String abbreviate(String text) {
        int end = Math.min(text.length(), MAX_QUOTED);
        StringBuilder quoted = new StringBuilder(end + 3);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (i + 1 == end) {
                    break;
                }
                quoted.append(c).append(text.charAt(++i));
            } else {
                quoted.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return end < text.length() ? quoted.append("...").toString() : quoted.toString();
    }
}
