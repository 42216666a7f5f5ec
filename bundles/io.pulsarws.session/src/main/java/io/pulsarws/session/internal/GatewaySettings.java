package io.pulsarws.session.internal;

import io.pulsarws.session.Setting;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway configuration ({@code io.pulsarws.gateway}), checked and typed: values trimmed, empty strings as
 * null, every bound validated at once. The parts say what a change does: new {@link ClientSettings} replace the
 * clients, a new {@link DiscoverySettings} restarts the discovery, and the rest applies in place.
 *
 * @param serviceUrl the configured broker URL, or null to discover the brokers
 * @param discovery where to discover them when {@code serviceUrl} is null; null when it is set
 * @param client what the Pulsar clients are built from
 * @param sessions the per-session defaults and bounds
 * @param memoryLimitMb producer bytes in flight on the node, in MiB (0: no bound)
 * @param authorizationEnabled whether sessions connect with their client's own token
 * @param maxCredentialClients how many clients with clients' credentials may exist at once
 * @param clientPerToken whether those clients are shared by token (true) or by role (false, the default)
 * @param prefetch what consumers and readers may hold ahead of their clients, in bytes
 */
record GatewaySettings(
        String serviceUrl,
        DiscoverySettings discovery,
        ClientSettings client,
        SessionDefaults sessions,
        int memoryLimitMb,
        boolean authorizationEnabled,
        int maxCredentialClients,
        boolean clientPerToken,
        PrefetchSettings prefetch) {

    /**
     * Where the brokers of a cluster are read from when no serviceUrl is set.
     *
     * @param store the configuration store's ZooKeeper servers
     */
    record DiscoverySettings(String store, String clusterName, int sessionTimeoutMillis) {}

    /**
     * @return the checked settings of this configuration
     * @throws IllegalArgumentException naming everything that is wrong with it (never a secret's value)
     */
    static GatewaySettings of(GatewayConfiguration c) {
        List<String> wrong = new ArrayList<>();
        if (c.operationTimeoutMillis() < 1) {
            wrong.add("operationTimeoutMillis must be >= 1");
        }
        if (c.connectionTimeoutMillis() < 1) {
            wrong.add("connectionTimeoutMillis must be >= 1");
        }
        if (c.ioThreads() < 1 || c.connectionsPerBroker() < 1) {
            wrong.add("ioThreads and connectionsPerBroker must be >= 1");
        }
        if (c.memoryLimitMb() < 0) {
            wrong.add("memoryLimitMb must be >= 0");
        }
        if (c.maxPendingMessages() < 1 || c.receiverQueueSize() < 1 || c.maxCredentialClients() < 1) {
            wrong.add("maxPendingMessages, receiverQueueSize and maxCredentialClients must be >= 1");
        }
        PrefetchSettings prefetch = new PrefetchSettings(
                c.maxPrefetchBytesPerSession(), c.maxPrefetchBytesPerPrincipal(), c.maxPrefetchBytes());
        prefetch.check(wrong);
        String per = trimmed(c.credentialClientPer());
        if (per != null && !per.equals("role") && !per.equals("token")) {
            wrong.add("credentialClientPer must be role or token");
        }
        String trust = trimmed(c.tlsTrustCertsFilePath());
        if (trust != null && !Files.isReadable(Paths.get(trust))) {
            wrong.add("tlsTrustCertsFilePath " + trust + " is not a readable file");
        }
        String url = trimmed(c.serviceUrl());
        if (url != null && !isServiceUrl(url)) {
            wrong.add(notAServiceUrl(url));
        }
        String store = store(c);
        if (url == null && store == null) {
            wrong.add("set serviceUrl, or leave it empty and set configurationMetadataStoreUrl (or "
                    + "globalZookeeperServers) to discover the brokers");
        }
        if (url == null && c.metadataStoreSessionTimeoutMillis() < 1) {
            wrong.add("metadataStoreSessionTimeoutMillis must be >= 1");
        }
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", wrong));
        }
        return new GatewaySettings(
                url,
                url != null
                        ? null
                        : new DiscoverySettings(store, trimmed(c.clusterName()), c.metadataStoreSessionTimeoutMillis()),
                ClientSettings.of(c),
                new SessionDefaults(c.maxPendingMessages(), c.receiverQueueSize()),
                c.memoryLimitMb(),
                c.authorizationEnabled(),
                c.maxCredentialClients(),
                "token".equals(per),
                prefetch);
    }

    /** @return true if this is a broker URL the Pulsar client accepts */
    static boolean isServiceUrl(String url) {
        return url != null && url.matches("(?i)(pulsar|pulsar\\+ssl|http|https)://\\S+");
    }

    /** @return what is wrong with a URL {@link #isServiceUrl} refuses (configured, or read from the store) */
    static String notAServiceUrl(String url) {
        return "serviceUrl must be pulsar://, pulsar+ssl://, http:// or https:// host:port[,host:port...], not '" + url
                + "'";
    }

    /** @return the configuration store setting, whichever of its names is used, or null */
    static String store(GatewayConfiguration c) {
        for (String s : new String[] {
            c.configurationMetadataStoreUrl(),
            c.configurationStoreServers(),
            c.globalZookeeperServers(),
            c.zookeeperServers()
        }) {
            if (trimmed(s) != null) {
                return s.trim();
            }
        }
        return null;
    }

    /** @return the value trimmed, or null if it is null or blank */
    static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /**
     * The configuration in force as the shell and JMX show it, secrets flagged and masked.
     *
     * @param inForce the broker URL the clients in force use (configured or discovered), or null if none yet
     */
    List<Setting> view(String inForce) {
        List<Setting> v = new ArrayList<>();
        v.add(Setting.plain("serviceUrl", inForce));
        v.add(Setting.plain("configurationMetadataStoreUrl", discovery == null ? null : discovery.store()));
        v.add(Setting.plain(
                "brokersFrom",
                serviceUrl != null
                        ? "serviceUrl"
                        : inForce == null ? "configuration store (not read yet)" : "configuration store"));
        v.add(Setting.plain("clusterName", client.clusterName()));
        v.add(Setting.plain("listenerName", client.listenerName()));
        v.add(Setting.plain("operationTimeoutMillis", client.operationTimeoutMillis()));
        v.add(Setting.plain("connectionTimeoutMillis", client.connectionTimeoutMillis()));
        v.add(Setting.plain("ioThreads", client.ioThreads()));
        v.add(Setting.plain("connectionsPerBroker", client.connectionsPerBroker()));
        v.add(Setting.plain("memoryLimitMb", memoryLimitMb));
        v.add(Setting.plain("maxPendingMessages", sessions.maxPendingMessages()));
        v.add(Setting.plain("receiverQueueSize", sessions.receiverQueueSize()));
        v.add(Setting.plain("maxPrefetchBytesPerSession", prefetch.perSession()));
        v.add(Setting.plain("maxPrefetchBytesPerPrincipal", prefetch.perPrincipal()));
        v.add(Setting.plain("maxPrefetchBytes", prefetch.nodeBytes()));
        v.add(Setting.plain("brokerClientAuthenticationPlugin", client.authenticationPlugin()));
        v.add(Setting.secret("brokerClientAuthenticationParameters", client.authenticationParameters()));
        v.add(Setting.plain("authorizationEnabled", authorizationEnabled));
        v.add(Setting.plain("maxCredentialClients", maxCredentialClients));
        v.add(Setting.plain("credentialClientPer", clientPerToken ? "token" : "role"));
        v.add(Setting.plain("tlsTrustCertsFilePath", client.tlsTrustCertsFilePath()));
        v.add(Setting.plain("tlsHostnameVerificationEnable", client.tlsHostnameVerificationEnable()));
        v.add(Setting.plain("tlsAllowInsecureConnection", client.tlsAllowInsecureConnection()));
        return List.copyOf(v);
    }
}
