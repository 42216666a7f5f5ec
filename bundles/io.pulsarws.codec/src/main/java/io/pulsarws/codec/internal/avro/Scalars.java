package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.JsonTree.jsonKind;
import static io.pulsarws.codec.internal.avro.Mismatch.abbreviate;
import static io.pulsarws.codec.internal.avro.Mismatch.quote;

import io.pulsarws.codec.internal.avro.JsonTree.Num;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Base64;

/** JSON scalars as the values Avro writes for a type (integers, floats, decimals, uuids, base64), or why not. */
final class Scalars {
    private Scalars() {}

    static long integer(Type type, Object value, long min, long max) {
        if (!(value instanceof Num)) {
            throw new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
        }
        Num number = (Num) value;
        if (!number.integral()) {
            throw new Mismatch("expected " + type.describe() + ", not a number with a fraction or exponent");
        }
        long parsed;
        try {
            parsed = Long.parseLong(number.text());
        } catch (NumberFormatException e) {
            throw new Mismatch(abbreviate(number.text()) + " is out of range for " + type.describe());
        }
        if (parsed < min || parsed > max) {
            throw new Mismatch(abbreviate(number.text()) + " is out of range for " + type.describe());
        }
        return parsed;
    }

    /** @return the text of a float or double: a JSON number's, or NaN, Infinity or -Infinity */
    static String floatingText(Type type, Object value) {
        if (value instanceof Num) {
            return ((Num) value).text();
        } else if ("NaN".equals(value) || "Infinity".equals(value) || "-Infinity".equals(value)) {
            return (String) value;
        } else if (value instanceof String) {
            throw new Mismatch("expected " + type.describe() + ", not the string " + quote((String) value));
        }
        throw new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
    }

    static boolean isUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean valid = i == 8 || i == 13 || i == 18 || i == 23
                    ? c == '-'
                    : c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            if (!valid) {
                return false;
            }
        }
        return true;
    }

    /** @return a decimal's unscaled value at the schema's scale, from a JSON number or numeric string */
    static BigInteger unscaled(Type type, Object value) {
        String text;
        if (value instanceof Num) {
            text = ((Num) value).text();
        } else if (value instanceof String) {
            text = (String) value;
            boolean numeric = !text.isEmpty() && text.length() <= 2 * type.precision + 32;
            for (int i = 0; numeric && i < text.length(); i++) {
                numeric = "0123456789+-.eE".indexOf(text.charAt(i)) >= 0;
            }
            if (!numeric) {
                throw new Mismatch("expected " + type.describe() + ", not the string " + quote(text));
            }
        } else {
            throw new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
        }
        BigDecimal number;
        try {
            number = new BigDecimal(text);
            if (number.signum() == 0) {
                return BigInteger.ZERO;
            }
            number = number.stripTrailingZeros();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Mismatch("expected " + type.describe() + ", not " + quote(text));
        }
        if (number.scale() > type.scale) {
            throw new Mismatch(abbreviate(text) + " has too many decimal places for " + type.describe());
        }
        if ((long) number.precision() - number.scale() > type.precision - type.scale) {
            throw new Mismatch(abbreviate(text) + " has too many digits for " + type.describe());
        }
        return number.setScale(type.scale).unscaledValue();
    }

    static byte[] base64(Type type, Object value) {
        if (!(value instanceof String)) {
            throw new Mismatch("expected " + type.describe() + " as base64, not " + jsonKind(value));
        }
        String text = (String) value;
        byte[] bytes = null;
        if (text.length() % 4 == 0) {
            try {
                bytes = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // not base64
            }
        }
        if (bytes == null) {
            throw new Mismatch("expected " + type.describe() + " as base64, not a string that is not base64");
        }
        return bytes;
    }

    /** Two's-complement big-endian bytes of exactly {@code size}, sign-extended. */
    static byte[] fixedBytes(BigInteger unscaled, int size) {
        byte[] minimal = unscaled.toByteArray();
        if (minimal.length > size) {
            throw new Mismatch("the decimal does not fit " + size + " bytes");
        }
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, 0, size - minimal.length, (byte) (unscaled.signum() < 0 ? 0xFF : 0));
        System.arraycopy(minimal, 0, bytes, size - minimal.length, minimal.length);
        return bytes;
    }
}
