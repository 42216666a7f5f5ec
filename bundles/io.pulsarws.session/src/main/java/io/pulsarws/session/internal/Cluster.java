package io.pulsarws.session.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Authentication;
import org.apache.pulsar.client.api.AuthenticationFactory;
import org.apache.pulsar.client.api.ClientBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.SizeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's connection to one Pulsar cluster with one configuration: its own client, and the clients with the
 * clients' credentials. Built completely (and so validated) before it replaces the previous one.
 */
final class Cluster {
    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);

    final GatewayConfiguration config;
    /** The broker service URL in use: configured, or discovered in the configuration store. */
    final String serviceUrl;
    final PulsarClient client;
    final CredentialClients credentialClients;

    private Cluster(GatewayConfiguration config, String serviceUrl, PulsarClient client,
            CredentialClients credentialClients) {
        this.config = config;
        this.serviceUrl = serviceUrl;
        this.client = client;
        this.credentialClients = credentialClients != null ? credentialClients
                : new CredentialClients(auth -> newClient(config, serviceUrl, auth, 1, 1),
                        config.operationTimeoutMillis());
    }

    /** @return what is wrong with the settings that do not depend on the broker URL (empty if nothing) */
    static List<String> validate(GatewayConfiguration config) {
        List<String> wrong = new ArrayList<>();
        if (config.operationTimeoutMillis() < 1) {
            wrong.add("operationTimeoutMillis must be >= 1");
        }
        if (config.connectionTimeoutMillis() < 1) {
            wrong.add("connectionTimeoutMillis must be >= 1");
        }
        if (config.ioThreads() < 1 || config.connectionsPerBroker() < 1) {
            wrong.add("ioThreads and connectionsPerBroker must be >= 1");
        }
        if (config.memoryLimitMb() < 0) {
            wrong.add("memoryLimitMb must be >= 0");
        }
        if (config.maxPendingMessages() < 1 || config.receiverQueueSize() < 1 || config.maxCredentialClients() < 1) {
            wrong.add("maxPendingMessages, receiverQueueSize and maxCredentialClients must be >= 1");
        }
        String trust = config.tlsTrustCertsFilePath();
        if (trust != null && !trust.isBlank() && !java.nio.file.Files.isReadable(java.nio.file.Paths.get(trust.trim()))) {
            wrong.add("tlsTrustCertsFilePath " + trust.trim() + " is not a readable file");
        }
        return wrong;
    }

    /**
     * @param serviceUrl the broker URL, configured or discovered
     * @return the cluster for this configuration, its client built but not yet connected
     * @throws IllegalArgumentException naming what is wrong with the configuration (never a secret's value)
     */
    static Cluster connect(GatewayConfiguration config, String serviceUrl) {
        List<String> wrong = validate(config);
        String url = serviceUrl == null ? "" : serviceUrl.trim();
        if (!url.matches("(?i)(pulsar|pulsar\\+ssl|http|https)://\\S+")) {
            wrong.add("serviceUrl must be pulsar://, pulsar+ssl://, http:// or https:// host:port[,host:port...], not '"
                    + url + "'");
        }
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", wrong));
        }
        Authentication own;
        String plugin = config.brokerClientAuthenticationPlugin();
        try {
            own = plugin == null || plugin.isBlank() ? null
                    : AuthenticationFactory.create(plugin.trim(), config.brokerClientAuthenticationParameters());
        } catch (PulsarClientException | RuntimeException e) {
            throw new IllegalArgumentException("brokerClientAuthenticationPlugin " + plugin.trim()
                    + " cannot be created with its parameters (" + e.getClass().getSimpleName() + ")");
        }
        try {
            return new Cluster(config, url, newClient(config, url, own, config.ioThreads(),
                    config.connectionsPerBroker()), null);
        } catch (PulsarClientException | RuntimeException e) {
            throw new IllegalArgumentException("the Pulsar client refuses it: " + e.getMessage());
        }
    }

    private static PulsarClient newClient(GatewayConfiguration config, String serviceUrl,
            Authentication authentication, int ioThreads, int connectionsPerBroker) throws PulsarClientException {
        ClientBuilder b = PulsarClient.builder()
                .serviceUrl(serviceUrl)
                .operationTimeout(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS)
                .connectionTimeout(config.connectionTimeoutMillis(), TimeUnit.MILLISECONDS)
                .ioThreads(ioThreads)
                .listenerThreads(1)
                .connectionsPerBroker(connectionsPerBroker)
                // the gateway's SendBudget bounds producer memory and makes sends wait; Pulsar's limiter would
                // refuse them instead, and it also counts what consumers prefetch (see SendBudget)
                .memoryLimit(0, SizeUnit.BYTES)
                .statsInterval(0, TimeUnit.SECONDS);
        if (authentication != null) {
            b.authentication(authentication);
        }
        String listener = config.listenerName();
        if (listener != null && !listener.isBlank()) {
            b.listenerName(listener.trim());
        }
        String trust = config.tlsTrustCertsFilePath();
        if (trust != null && !trust.isBlank()) {
            b.tlsTrustCertsFilePath(trust.trim());
        }
        b.enableTlsHostnameVerification(config.tlsHostnameVerificationEnable());
        b.allowTlsInsecureConnection(config.tlsAllowInsecureConnection());
        return b.build();
    }

    /**
     * @return true if going from {@code from} to {@code to} needs a new client: everything but the per-session
     *         defaults, the send budget and the authorization mode, which apply in place (the broker URL is compared
     *         by the caller, since it may be discovered)
     */
    static boolean needsNewClient(GatewayConfiguration from, GatewayConfiguration to) {
        return !Objects.equals(from.clusterName(), to.clusterName())
                || !Objects.equals(from.listenerName(), to.listenerName())
                || from.operationTimeoutMillis() != to.operationTimeoutMillis()
                || from.connectionTimeoutMillis() != to.connectionTimeoutMillis()
                || from.ioThreads() != to.ioThreads()
                || from.connectionsPerBroker() != to.connectionsPerBroker()
                || !Objects.equals(from.brokerClientAuthenticationPlugin(), to.brokerClientAuthenticationPlugin())
                || !Objects.equals(from.brokerClientAuthenticationParameters(),
                        to.brokerClientAuthenticationParameters())
                || !Objects.equals(from.tlsTrustCertsFilePath(), to.tlsTrustCertsFilePath())
                || from.tlsHostnameVerificationEnable() != to.tlsHostnameVerificationEnable()
                || from.tlsAllowInsecureConnection() != to.tlsAllowInsecureConnection();
    }

    /** @return the same clients with new per-session settings */
    Cluster withSettings(GatewayConfiguration next) {
        return new Cluster(next, serviceUrl, client, credentialClients);
    }

    /** @return true once these clients are closed (whichever settings object closed them) */
    boolean isClosed() {
        return credentialClients.isClosed();
    }

    /** Closes both kinds of clients, waiting up to the operation timeout. */
    void close() {
        credentialClients.closeAll();
        try {
            client.closeAsync().get(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Pulsar client did not close cleanly: {}", e.toString());
        }
    }

    /** @return what the log may say about this configuration: no secret */
    String describe() {
        String plugin = config.brokerClientAuthenticationPlugin();
        String listener = config.listenerName();
        return "serviceUrl=" + serviceUrl + (listener == null || listener.isBlank() ? "" : ", listener="
                + listener.trim()) + ", cluster=" + config.clusterName() + ", memoryLimit="
                + config.memoryLimitMb() + " MB, broker authentication="
                + (plugin == null || plugin.isBlank() ? "none" : plugin.trim())
                + ", sessions authorized by the broker with the client's credentials=" + config.authorizationEnabled();
    }
}
