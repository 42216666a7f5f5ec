package io.pulsarws.session.internal;

/**
 * What a Pulsar client of the gateway is built from. Two configurations with equal client settings (and the same
 * broker URL) share one client: any other setting applies in place, and a change to one of these replaces the
 * clients. A new key that the client is built from belongs here, and nowhere else.
 *
 * @param clusterName the cluster the gateway serves
 * @param listenerName the brokers' advertised listener to connect to, or null for their default
 * @param authenticationPlugin the gateway's own Authentication class toward the broker, or null for none
 * @param authenticationParameters its parameters: a secret, left out of {@link #toString()}
 * @param tlsTrustCertsFilePath the CA certificates for pulsar+ssl://, or null for the JVM's trust store
 */
record ClientSettings(
        String clusterName,
        String listenerName,
        int operationTimeoutMillis,
        int connectionTimeoutMillis,
        int ioThreads,
        int connectionsPerBroker,
        String authenticationPlugin,
        String authenticationParameters,
        String tlsTrustCertsFilePath,
        boolean tlsHostnameVerificationEnable,
        boolean tlsAllowInsecureConnection) {

    static ClientSettings of(GatewayConfiguration c) {
        return new ClientSettings(
                GatewaySettings.trimmed(c.clusterName()),
                GatewaySettings.trimmed(c.listenerName()),
                c.operationTimeoutMillis(),
                c.connectionTimeoutMillis(),
                c.ioThreads(),
                c.connectionsPerBroker(),
                GatewaySettings.trimmed(c.brokerClientAuthenticationPlugin()),
                c.brokerClientAuthenticationParameters() == null
                                || c.brokerClientAuthenticationParameters().isEmpty()
                        ? null
                        : c.brokerClientAuthenticationParameters(),
                GatewaySettings.trimmed(c.tlsTrustCertsFilePath()),
                c.tlsHostnameVerificationEnable(),
                c.tlsAllowInsecureConnection());
    }

    /** Never the authentication parameters: they are a secret. */
    @Override
    public String toString() {
        return "ClientSettings[cluster=" + clusterName + ", listener=" + listenerName + ", operationTimeoutMillis="
                + operationTimeoutMillis + ", connectionTimeoutMillis=" + connectionTimeoutMillis + ", ioThreads="
                + ioThreads + ", connectionsPerBroker=" + connectionsPerBroker + ", authentication="
                + (authenticationPlugin == null ? "none" : authenticationPlugin) + ", tlsTrustCertsFilePath="
                + tlsTrustCertsFilePath + ", tlsHostnameVerification=" + tlsHostnameVerificationEnable
                + ", tlsAllowInsecureConnection=" + tlsAllowInsecureConnection + "]";
    }
}
