package io.pulsarws.session;

/**
 * Who opens a session, as the endpoint authenticated them.
 *
 * @param role the client's role (the token's subject, the user name, or the configured anonymous role)
 * @param token the client's token, or null; {@link #toString} never shows it
 * @param anonymous true if the client presented no credentials at all
 */
public record ClientIdentity(String role, String token, boolean anonymous) {

    /** @return an identity proven by a token */
    public static ClientIdentity ofToken(String role, String token) {
        return new ClientIdentity(role, token, false);
    }

    /** @return the identity of a client without credentials, accepted as the configured anonymous role */
    public static ClientIdentity anonymous(String role) {
        return new ClientIdentity(role, null, true);
    }

    /** @return an identity proven by a password (HTTP Basic against a JAAS realm): no token for the broker */
    public static ClientIdentity ofPassword(String user) {
        return new ClientIdentity(user, null, false);
    }

    /**
     * Whom a client's bounded resources are charged to (its prefetched bytes, its bytes being received): the
     * principal of the per-principal bounds.
     *
     * @param identity the authenticated identity, or null for a client that is not authenticated
     * @return {@code "role " + role}, or {@code "address " + remoteAddress} for a client that is not authenticated or
     *     is let in anonymously (many clients share the anonymous role)
     */
    public static String chargedTo(ClientIdentity identity, String remoteAddress) {
        return identity == null || identity.anonymous() || identity.role() == null
                ? "address " + remoteAddress
                : "role " + identity.role();
    }

    @Override
    public String toString() {
        return "ClientIdentity[role=" + role
                + (token != null ? ", token=***]" : anonymous ? ", anonymous]" : ", password]");
    }
}
