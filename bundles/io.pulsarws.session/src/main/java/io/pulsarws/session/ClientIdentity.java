package io.pulsarws.session;

/**
 * Who opens a session, as the endpoint authenticated them.
 *
 * @param role the client's role (the token's subject, or the configured anonymous role)
 * @param token the client's token, or null for an anonymous client; {@link #toString} never shows it
 */
public record ClientIdentity(String role, String token) {

    /** @return true if the client presented no credentials */
    public boolean anonymous() {
        return token == null;
    }

    @Override
    public String toString() {
        return "ClientIdentity[role=" + role + (token == null ? ", anonymous]" : ", token=***]");
    }
}
