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
    /**
     * The threads every credential client runs on (created with the first one): clients with the clients'
     * credentials add connections, never threads.
     */
    private final SharedThreadsHolder shared;

    private Cluster(
            GatewaySettings settings,
            String serviceUrl,
            PulsarClient client,
            CredentialClients credentialClients,
            SharedThreadsHolder shared) {
        this.settings = settings;
        this.serviceUrl = serviceUrl;
        this.client = client;
        this.shared = shared != null
                ? shared
                : new SharedThreadsHolder(settings.client().ioThreads());
        SharedThreadsHolder threads = this.shared;
        this.credentialClients = credentialClients != null
                ? credentialClients
                : new CredentialClients(
                        auth -> threads.get().build(builder(settings.client(), serviceUrl, auth, 1)),
                        settings.client().operationTimeoutMillis());
    }

    /** The credential clients' threads, started when the first such client is built (most gateways need none). */
    static final class SharedThreadsHolder {
        private final int ioThreads;
        private io.pulsarws.pulsar.client.SharedThreads threads;

        SharedThreadsHolder(int ioThreads) {
            this.ioThreads = ioThreads;
        }

        synchronized io.pulsarws.pulsar.client.SharedThreads get() {
            if (threads == null) {
                threads = new io.pulsarws.pulsar.client.SharedThreads(ioThreads, "pulsarws-credential");
            }
            return threads;
        }

        synchronized void close() {
            if (threads != null) {
                threads.close();
                threads = null;
            }
        }
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
            return new Cluster(
                    settings,
                    url,
                    builder(c, url, own, c.connectionsPerBroker())
                            .ioThreads(c.ioThreads())
                            .build(),
                    null,
                    null);
        } catch (PulsarClientException | RuntimeException e) {
            throw new IllegalArgumentException("the Pulsar client refuses it: " + e.getMessage());
        }
    }

    private static ClientBuilder builder(
            ClientSettings c, String serviceUrl, Authentication authentication, int connectionsPerBroker) {
        ClientBuilder b = PulsarClient.builder()
                .serviceUrl(serviceUrl)
                .operationTimeout(c.operationTimeoutMillis(), TimeUnit.MILLISECONDS)
                .connectionTimeout(c.connectionTimeoutMillis(), TimeUnit.MILLISECONDS)
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
        return b;
    }

    /** @return the same clients with new per-session settings */
    Cluster withSettings(GatewaySettings next) {
        return new Cluster(next, serviceUrl, client, credentialClients, shared);
    }

    /** @return true once these clients are closed (whichever settings object closed them) */
    boolean isClosed() {
        return credentialClients.isClosed();
    }

    /** Closes both kinds of clients, waiting up to the operation timeout. */
    void close() {
        credentialClients.closeAll();
        shared.close();
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
