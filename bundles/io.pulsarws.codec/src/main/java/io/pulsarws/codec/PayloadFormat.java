package io.pulsarws.codec;

import java.util.Locale;

/**
 * How a session's frames carry payloads, chosen per session with the query parameter {@code payloadFormat}
 * (beyond Pulsar, whose service knows only base64).
 *
 * @since 2.3.0
 */
public enum PayloadFormat {
    /** {@code payload} is base64 of the bytes: Pulsar's wire format, the default. */
    BASE64,
    /** {@code payload} is a JSON string, stored as its UTF-8 bytes; delivered so when the bytes are UTF-8. */
    TEXT,
    /** {@code payload} is any JSON value, stored as its compact JSON text; delivered so when the bytes parse. */
    JSON;

    /** @return the parameter's value for this format: {@code base64}, {@code text} or {@code json} */
    public String parameterValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param value the query parameter's value, or null for the default
     * @return the format
     * @throws IllegalArgumentException for any other value
     */
    public static PayloadFormat of(String value) {
        if (value == null) {
            return BASE64;
        }
        for (PayloadFormat f : values()) {
            if (f.parameterValue().equals(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException("payloadFormat must be base64, text or json");
    }
}
