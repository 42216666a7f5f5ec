package io.pulsarws.session.internal;

import io.pulsarws.codec.ClientText;
import java.util.Map;
import java.util.function.Consumer;

/** Typed access to handshake query parameters; every bad value becomes an IllegalArgumentException (HTTP 400). */
final class QueryParams {
    private final Map<String, String> values;
    /** Told every name asked for, or null: how a test lists the parameters each endpoint reads. */
    private final Consumer<String> asked;

    QueryParams(Map<String, String> values) {
        this(values, null);
    }

    QueryParams(Map<String, String> values, Consumer<String> asked) {
        this.values = values;
        this.asked = asked;
    }

    String string(String name) {
        if (asked != null) {
            asked.accept(name);
        }
        String v = values.get(name);
        if (v != null && v.chars().anyMatch(Character::isISOControl)) {
            // names and values end up in logs and statistics, where a newline would forge a line
            throw new IllegalArgumentException("Invalid query params: " + name + " contains control characters");
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    Integer integer(String name, int min, int max) {
        String v = string(name);
        if (v == null) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw invalid(name, v);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("Invalid query params: " + name + " must be between " + min + " and "
                    + max + ", not " + ClientText.quote(v));
        }
        return (int) n;
    }

    Long longValue(String name) {
        String v = string(name);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw invalid(name, v);
        }
    }

    /** @return {@code payloadFormat} (beyond Pulsar): base64 unless the client asks for text or json */
    io.pulsarws.codec.PayloadFormat payloadFormat() {
        String v = string("payloadFormat");
        try {
            return io.pulsarws.codec.PayloadFormat.of(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Invalid query params: " + e.getMessage() + ", not " + ClientText.quote(v));
        }
    }

    boolean bool(String name, boolean dflt) {
        String v = string(name);
        if (v == null) {
            return dflt;
        }
        if ("true".equalsIgnoreCase(v)) {
            return true;
        }
        if ("false".equalsIgnoreCase(v)) {
            return false;
        }
        throw invalid(name, v);
    }

    /** Parses an enum constant by its exact name, as Pulsar's service does. */
    <E extends Enum<E>> E enumValue(String name, Class<E> type) {
        String v = string(name);
        if (v == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid query params: Invalid " + name + " " + ClientText.quote(v));
        }
    }

    private static IllegalArgumentException invalid(String name, String value) {
        return new IllegalArgumentException("Invalid query params: " + name + "=" + ClientText.quote(value));
    }
}
