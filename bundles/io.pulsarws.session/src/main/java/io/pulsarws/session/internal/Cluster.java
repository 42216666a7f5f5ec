package io.pulsarws.session.internal;

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

    final GatewaySettings settings;
    /** The broker service URL in use: configured, or discovered in the configuration store. */
    final String serviceUrl;

    final PulsarClient client;
    final CredentialClients credentialClients;

    private Cluster(
            GatewaySettings settings, String serviceUrl, PulsarClient client, CredentialClients credentialClients) {
        this.settings = settings;
        this.serviceUrl = serviceUrl;
        this.client = client;
        this.credentialClients = credentialClients != null
                ? credentialClients
                : new CredentialClients(
                        auth -> newClient(settings.client(), serviceUrl, auth, 1, 1),
                        settings.client().operationTimeoutMillis());
    }

    /**
     * @param serviceUrl the broker URL, configured or discovered
     * @return the cluster for these settings, its client built but not yet connected
     * @throws IllegalArgumentException naming what is wrong (never a secret's value)
     */
    static Cluster connect(GatewaySettings settings, String serviceUrl) {
        String url = serviceUrl == null ? "" : serviceUrl.trim();
        if (!GatewaySettings.isServiceUrl(url)) {
            throw new IllegalArgumentException(GatewaySettings.notAServiceUrl(url));
        }
        ClientSettings c = settings.client();
        Authentication own;
        try {
            own = c.authenticationPlugin() == null
                    ? null
                    : AuthenticationFactory.create(
                            c.authenticationPlugin(),
                            c.authenticationParameters() == null ? "" : c.authenticationParameters());
        } catch (PulsarClientException | RuntimeException e) {
            throw new IllegalArgumentException("brokerClientAuthenticationPlugin " + c.authenticationPlugin()
                    + " cannot be created with its parameters (" + e.getClass().getSimpleName() + ")");
        }
        try {
            return new Cluster(settings, url, newClient(c, url, own, c.ioThreads(), c.connectionsPerBroker()), null);
        } catch (PulsarClientException | RuntimeException e) {
            throw new IllegalArgumentException("the Pulsar client refuses it: " + e.getMessage());
        }
    }

    private static PulsarClient newClient(
            ClientSettings c, String serviceUrl, Authentication authentication, int ioThreads, int connectionsPerBroker)
            throws PulsarClientException {
        ClientBuilder b = PulsarClient.builder()
                .serviceUrl(serviceUrl)
                .operationTimeout(c.operationTimeoutMillis(), TimeUnit.MILLISECONDS)
                .connectionTimeout(c.connectionTimeoutMillis(), TimeUnit.MILLISECONDS)
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
        if (c.listenerName() != null) {
            b.listenerName(c.listenerName());
        }
        if (c.tlsTrustCertsFilePath() != null) {
            b.tlsTrustCertsFilePath(c.tlsTrustCertsFilePath());
        }
        b.enableTlsHostnameVerification(c.tlsHostnameVerificationEnable());
        b.allowTlsInsecureConnection(c.tlsAllowInsecureConnection());
        return b.build();
    }

    /** @return the same clients with new per-session settings */
    Cluster withSettings(GatewaySettings next) {
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
            client.closeAsync().get(settings.client().operationTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Pulsar client did not close cleanly: {}", e.toString());
        }
    }

    /** @return what the log may say about this configuration: no secret */
    String describe() {
        ClientSettings c = settings.client();
        return "serviceUrl=" + serviceUrl + (c.listenerName() == null ? "" : ", listener=" + c.listenerName())
                + ", cluster=" + c.clusterName() + ", memoryLimit=" + settings.memoryLimitMb()
                + " MB, broker authentication=" + (c.authenticationPlugin() == null ? "none" : c.authenticationPlugin())
                + ", sessions authorized by the broker with the client's credentials="
                + settings.authorizationEnabled();
    }
}
