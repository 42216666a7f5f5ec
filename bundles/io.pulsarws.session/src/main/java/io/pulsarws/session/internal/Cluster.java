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
    final PulsarClient client;
    final CredentialClients credentialClients;

    private Cluster(GatewayConfiguration config, PulsarClient client) {
        this.config = config;
        this.client = client;
        this.credentialClients = new CredentialClients(auth -> newClient(config, auth, 1, 1),
                config.operationTimeoutMillis());
    }

    /**
     * @return the cluster for this configuration, its client built but not yet connected
     * @throws IllegalArgumentException naming what is wrong with the configuration (never a secret's value)
     */
    static Cluster connect(GatewayConfiguration config) {
        List<String> wrong = new ArrayList<>();
        String url = config.serviceUrl() == null ? "" : config.serviceUrl().trim();
        if (!url.matches("(?i)(pulsar|pulsar\\+ssl|http|https)://\\S+")) {
            wrong.add("serviceUrl must be pulsar://, pulsar+ssl://, http:// or https:// host:port[,host:port...], not '"
                    + url + "'");
        }
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
        if (config.maxPendingMessages() < 1 || config.receiverQueueSize() < 1) {
            wrong.add("maxPendingMessages and receiverQueueSize must be >= 1");
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
            return new Cluster(config, newClient(config, own, config.ioThreads(), config.connectionsPerBroker()));
        } catch (PulsarClientException | RuntimeException e) {
            throw new IllegalArgumentException("the Pulsar client refuses it: " + e.getMessage());
        }
    }

    private static PulsarClient newClient(GatewayConfiguration config, Authentication authentication, int ioThreads,
            int connectionsPerBroker) throws PulsarClientException {
        ClientBuilder b = PulsarClient.builder()
                .serviceUrl(config.serviceUrl().trim())
                .operationTimeout(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS)
                .connectionTimeout(config.connectionTimeoutMillis(), TimeUnit.MILLISECONDS)
                .ioThreads(ioThreads)
                .listenerThreads(1)
                .connectionsPerBroker(connectionsPerBroker)
                .memoryLimit(config.memoryLimitMb(), SizeUnit.MEGA_BYTES)
                .statsInterval(0, TimeUnit.SECONDS);
        if (authentication != null) {
            b.authentication(authentication);
        }
        return b.build();
    }

    /**
     * @return true if going from {@code from} to {@code to} needs a new client: everything but the per-session
     *         defaults and the authorization mode, which apply to new sessions in place
     */
    static boolean needsNewClient(GatewayConfiguration from, GatewayConfiguration to) {
        return !Objects.equals(from.serviceUrl(), to.serviceUrl())
                || !Objects.equals(from.clusterName(), to.clusterName())
                || from.operationTimeoutMillis() != to.operationTimeoutMillis()
                || from.connectionTimeoutMillis() != to.connectionTimeoutMillis()
                || from.ioThreads() != to.ioThreads()
                || from.connectionsPerBroker() != to.connectionsPerBroker()
                || from.memoryLimitMb() != to.memoryLimitMb()
                || !Objects.equals(from.brokerClientAuthenticationPlugin(), to.brokerClientAuthenticationPlugin())
                || !Objects.equals(from.brokerClientAuthenticationParameters(),
                        to.brokerClientAuthenticationParameters());
    }

    /** @return the same clients with new per-session settings */
    Cluster withSettings(GatewayConfiguration next) {
        return new Cluster(next, client, credentialClients);
    }

    private Cluster(GatewayConfiguration config, PulsarClient client, CredentialClients credentialClients) {
        this.config = config;
        this.client = client;
        this.credentialClients = credentialClients;
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
        return "serviceUrl=" + config.serviceUrl() + ", cluster=" + config.clusterName() + ", memoryLimit="
                + config.memoryLimitMb() + " MB, broker authentication="
                + (plugin == null || plugin.isBlank() ? "none" : plugin.trim())
                + ", sessions authorized by the broker with the client's credentials=" + config.authorizationEnabled();
    }
}
