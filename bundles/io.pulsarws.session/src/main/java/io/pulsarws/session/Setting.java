package io.pulsarws.session;

/**
 * One setting of the gateway configuration in force, as the shell and JMX show it.
 *
 * @param key the configuration key (as in {@code etc/io.pulsarws.gateway.cfg}), or a derived name such as
 *     {@code brokersFrom}
 * @param value the value as text; for a secret {@code ***} when it is set and empty when not, never the secret
 * @param secret whether the key holds a secret (its value is then never shown, logged or exported)
 * @since 2.0.0
 */
public record Setting(String key, String value, boolean secret) {

    /** The text shown for a secret that is set. */
    public static final String MASK = "***";

    /**
     * @return a setting whose value may be shown
     */
    public static Setting plain(String key, Object value) {
        return new Setting(key, value == null ? "" : String.valueOf(value), false);
    }

    /**
     * @return a secret setting: {@link #MASK} when it is set, empty when not
     */
    public static Setting secret(String key, String value) {
        return new Setting(key, value == null || value.isEmpty() ? "" : MASK, true);
    }
}
