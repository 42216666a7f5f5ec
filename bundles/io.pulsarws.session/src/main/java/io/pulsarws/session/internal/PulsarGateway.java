package io.pulsarws.session.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.session.ClientIdentity;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.NamespaceCounters;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.OpenRequest;
import io.pulsarws.session.SessionInfo;
import io.pulsarws.session.SessionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pulsar.client.api.Authentication;
import org.apache.pulsar.client.api.AuthenticationFactory;
import org.apache.pulsar.client.api.ClientBuilder;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.SizeUnit;
import org.apache.pulsar.common.naming.TopicName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session manager: owns one Pulsar client for exactly its lifetime and every session opened through it.
 * It has no {@code @Modified}: any configuration change makes DS deactivate it (closing the sessions with 1012
 * and the client) and activate it anew with the new settings.
 */
@Component(service = SessionManager.class, configurationPid = PulsarGateway.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = GatewayConfiguration.class)
public class PulsarGateway implements SessionManager {
    static final String PID = "io.pulsarws.gateway";
    /** RFC 6455 "service restart": the client may reconnect at once. */
    static final int CLOSE_SERVICE_RESTART = 1012;

    private static final Logger LOG = LoggerFactory.getLogger(PulsarGateway.class);

    private final GatewayConfiguration config;
    private final PulsarClient client;
    /** Clients with the clients' own credentials, used when {@code authorizationEnabled}. */
    private final CredentialClients credentialClients;
    /** Which credential client each such session holds. */
    private final Map<AbstractSession, CredentialClients.Lease> leases = new ConcurrentHashMap<>();
    private final FrameCodec codec = new FrameCodec();
    private final Set<AbstractSession> sessions = ConcurrentHashMap.newKeySet();
    private final BatchAcks batchAcks = new BatchAcks(100_000);
    private final NamespaceMetrics metrics = new NamespaceMetrics();
    /** Set first thing in deactivate: a session whose creation completes later must not be handed out. */
    private volatile boolean deactivated;

    /**
     * Server-side encryption: a {@link CryptoKeyReader} service registered by the operator (the OSGi form of
     * Pulsar's {@code cryptoKeyReaderFactoryClassName}). Producers asking for key names encrypt with it; consumers
     * and readers decrypt with it. Optional and dynamic: registering one restarts nothing.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile CryptoKeyReader keyReader;

    @Activate
    public PulsarGateway(GatewayConfiguration config) throws PulsarClientException {
        this.config = config;
        String plugin = config.brokerClientAuthenticationPlugin();
        Authentication own = plugin == null || plugin.isBlank() ? null
                : AuthenticationFactory.create(plugin.trim(), config.brokerClientAuthenticationParameters());
        this.client = newClient(own, Math.max(1, config.ioThreads()), Math.max(1, config.connectionsPerBroker()));
        this.credentialClients = new CredentialClients(auth -> newClient(auth, 1, 1), config.operationTimeoutMillis());
        // the authentication parameters are a secret: only whether there are any is logged
        LOG.info("Pulsar WebSocket gateway started: serviceUrl={}, cluster={}, memoryLimit={} MB, broker "
                + "authentication={}, sessions authorized by the broker with the client's credentials={}",
                config.serviceUrl(), config.clusterName(), config.memoryLimitMb(),
                own == null ? "none" : plugin.trim(), config.authorizationEnabled());
    }

    private PulsarClient newClient(Authentication authentication, int ioThreads, int connectionsPerBroker)
            throws PulsarClientException {
        ClientBuilder b = PulsarClient.builder()
                .serviceUrl(config.serviceUrl())
                .operationTimeout(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS)
                .connectionTimeout(config.connectionTimeoutMillis(), TimeUnit.MILLISECONDS)
                .ioThreads(ioThreads)
                .listenerThreads(1)
                .connectionsPerBroker(connectionsPerBroker)
                .memoryLimit(Math.max(0, config.memoryLimitMb()), SizeUnit.MEGA_BYTES)
                .statsInterval(0, TimeUnit.SECONDS);
        if (authentication != null) {
            b.authentication(authentication);
        }
        return b.build();
    }

    @Deactivate
    void deactivate() {
        deactivated = true;
        int open = sessions.size();
        for (AbstractSession s : sessions) {
            s.closeSocket(CLOSE_SERVICE_RESTART, "service restart");
        }
        credentialClients.closeAll();
        try {
            client.closeAsync().get(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Pulsar client did not close cleanly", e);
        }
        LOG.info("Pulsar WebSocket gateway stopped: {} open session(s) closed", open);
    }

    @Override
    public GatewaySession open(OpenRequest request) throws OpenRefusedException {
        EndpointPath path = request.path();
        QueryParams params = new QueryParams(request.params());
        if (path.topic() != null) {
            try {
                TopicName.get(path.topic()); // validates the name the way the broker will
            } catch (IllegalArgumentException e) {
                throw new OpenRefusedException(400, e.getMessage());
            }
        }
        CredentialClients.Lease lease = null;
        PulsarClient sessionClient = client;
        ClientIdentity identity = request.identity();
        if (config.authorizationEnabled() && identity != null) {
            try {
                lease = credentialClients.acquire(identity.token());
            } catch (PulsarClientException e) {
                throw new OpenRefusedException(503, "Gateway is restarting its Pulsar client; reconnect");
            }
            sessionClient = lease.client();
        }
        AbstractSession session;
        try {
            session = create(path, params, request.remoteAddress(), sessionClient, lease != null);
        } catch (OpenRefusedException e) {
            if (lease != null) {
                lease.release();
            }
            LOG.debug("Refused {} on {} for {}: {} {}", path.kind(), path.topic(), identity, e.status(), e.getMessage());
            throw e;
        }
        if (lease != null) {
            leases.put(session, lease); // released when the session is forgotten
        }
        sessions.add(session);
        if (deactivated) {
            session.close();
            throw new OpenRefusedException(503, "Gateway is restarting its Pulsar client; reconnect");
        }
        LOG.debug("Opened {} for {}", session, identity);
        return session;
    }

    /** Creates the session with the given client, waiting up to the operation timeout. */
    private AbstractSession create(EndpointPath path, QueryParams params, String remoteAddress, PulsarClient c,
            boolean brokerAuthorizes) throws OpenRefusedException {
        CompletableFuture<? extends AbstractSession> created;
        try {
            created = switch (path.kind()) {
                case PRODUCER -> ProducerSession.create(this, c, codec, path, params, remoteAddress);
                case CONSUMER -> {
                    String dlq = brokerAuthorizes ? ConsumerSession.deadLetterTopic(path, params) : null;
                    yield dlq == null ? ConsumerSession.create(this, c, codec, path, params, remoteAddress)
                            : canProduce(c, dlq).thenCompose(
                                    v -> ConsumerSession.create(this, c, codec, path, params, remoteAddress));
                }
                case READER -> ReaderSession.create(this, c, codec, path, params, remoteAddress);
            };
        } catch (IllegalArgumentException e) {
            throw new OpenRefusedException(400, e.getMessage());
        }
        try {
            return created.get(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // whatever completes later must not linger
            created.thenAccept(AbstractSession::close);
            throw new OpenRefusedException(504, "Failed to create producer/consumer: timed out");
        } catch (InterruptedException e) {
            created.thenAccept(AbstractSession::close);
            Thread.currentThread().interrupt();
            throw new OpenRefusedException(503, "Gateway is shutting down");
        } catch (Exception e) {
            throw Refusals.of(e);
        }
    }

    /**
     * A consumer's dead-letter producer is created with the client's own credentials, so the broker would refuse
     * it at the first dead letter anyway; checking at the handshake tells the client now, with 403.
     */
    private static CompletableFuture<Void> canProduce(PulsarClient c, String topic) {
        return c.newProducer().topic(topic).createAsync()
                .exceptionally(e -> {
                    Throwable t = Refusals.unwrap(e);
                    if (t instanceof PulsarClientException.AuthorizationException) {
                        throw new CompletionException(new OpenRefusedException(403,
                                "Not authorized to produce to the dead-letter topic " + topic));
                    }
                    throw new CompletionException(t);
                })
                .thenCompose(p -> p.closeAsync());
    }

    @Override
    public List<SessionInfo> sessions() {
        List<SessionInfo> infos = new ArrayList<>(sessions.size());
        for (AbstractSession s : sessions) {
            infos.add(s.info());
        }
        return infos;
    }

    /** @return the operator's key reader, or null */
    CryptoKeyReader keyReader() {
        return keyReader;
    }

    int maxPendingMessages() {
        return config.maxPendingMessages();
    }

    int receiverQueueSize() {
        return config.receiverQueueSize();
    }

    @Override
    public List<NamespaceCounters> counters() {
        return metrics.snapshot();
    }

    NamespaceMetrics metrics() {
        return metrics;
    }

    BatchAcks batchAcks() {
        return batchAcks;
    }

    void forget(AbstractSession session) {
        sessions.remove(session);
        CredentialClients.Lease lease = leases.remove(session);
        if (lease != null) {
            lease.release();
        }
    }

    /** @return how many clients with the clients' own credentials are open */
    int credentialClientCount() {
        return credentialClients.size();
    }

}
