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
import io.pulsarws.session.Setting;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.common.naming.TopicName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session manager: owns the Pulsar clients and every session opened through them. A configuration change is
 * validated by building the new clients first: if that fails, an error line names the problem and the previous
 * configuration stays in force. Per-session defaults and the authorization mode apply in place to new sessions;
 * any other change replaces the clients, closing open sessions with 1001 (service restart) so that their clients
 * reconnect to the new cluster.
 */
@Component(
        service = SessionManager.class,
        configurationPid = PulsarGateway.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        immediate = true)
@Designate(ocd = GatewayConfiguration.class)
public class PulsarGateway implements SessionManager {
    static final String PID = "io.pulsarws.gateway";
    /**
     * The close code of a client rebuild: 1001 "going away", with the reason {@link #SERVICE_RESTART}; the client
     * may reconnect at once. Not 1012 ("service restart"): Debian 12's websocket-client 1.2.3, the library of the
     * API page's Python examples, rejects 1012 and raises instead of reporting a close (it accepts 1000-1003,
     * 1007-1011, 1014 and 3000-4999); browsers, npm ws and Java's java.net.http accept both.
     */
    static final int CLOSE_SERVICE_RESTART = 1001;
    /** The reason sent with {@link #CLOSE_SERVICE_RESTART}. */
    static final String SERVICE_RESTART = "Service restart: reconnect";

    private static final Logger LOG = LoggerFactory.getLogger(PulsarGateway.class);

    private final FrameCodec codec = new FrameCodec();
    /** The open sessions. */
    private final SessionRegistry sessions = new SessionRegistry();
    /** Producer bytes in flight to the brokers, for every client of this node ({@code memoryLimitMb}). */
    private final SendBudget sendBudget = new SendBudget(0);
    /** Batch ack bookkeeping: at most 32 MiB on the node, 8 MiB per tenant (see the README). */
    private final BatchAcks batchAcks = new BatchAcks(32L << 20, 8L << 20);

    private final NamespaceMetrics metrics = new NamespaceMetrics();
    private final AtomicLong sessionIds = new AtomicLong();
    /** What sessions get of this component. */
    private final SessionContext sessionContext = new SessionContext(
            codec, metrics, sessionIds::incrementAndGet, this::keyReader, batchAcks, sendBudget, sessions::forget);
    /** The clients over time, changed on its own control thread only. */
    private final ClusterManager clusters;
    /** The MBeans, registered for exactly the component's lifetime. */
    private final GatewayJmx jmx;

    /**
     * Server-side encryption: a {@link CryptoKeyReader} service registered by the operator (the OSGi form of
     * Pulsar's {@code cryptoKeyReaderFactoryClassName}). Producers asking for key names encrypt with it; consumers
     * and readers decrypt with it. Optional and dynamic: registering one restarts nothing.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile CryptoKeyReader keyReader;

    @Activate
    public PulsarGateway(GatewayConfiguration config) {
        clusters = new ClusterManager(
                PID, sessions::closeAll, inForce -> sendBudget.setLimit((long) inForce.memoryLimitMb() << 20));
        if (!clusters.start(config)) {
            throw new IllegalArgumentException("invalid " + PID + " configuration (see the error above)");
        }
        jmx = new GatewayJmx(this);
        metrics.onAdded(jmx::namespaceAdded);
        Cluster c = clusters.cluster();
        LOG.info(
                "Pulsar WebSocket gateway started: {}",
                c != null
                        ? c.describe()
                        : "brokers of cluster " + config.clusterName() + " to be read from "
                                + GatewaySettings.store(config));
    }

    /** Applied on the cluster manager's control thread; ConfigAdmin's thread does not wait for it. */
    @Modified
    void modified(GatewayConfiguration next) {
        clusters.update(next);
    }

    @Deactivate
    void deactivate() {
        metrics.onAdded(null);
        jmx.close();
        int open = clusters.close();
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
        Cluster c = clusters.cluster();
        if (c == null) {
            throw new OpenRefusedException(503, "Gateway is waiting for its cluster's brokers (configuration store)");
        }
        CredentialClients.Lease lease = null;
        PulsarClient sessionClient = c.client;
        ClientIdentity identity = request.identity();
        GatewaySettings settings = c.settings;
        if (settings.authorizationEnabled() && identity != null) {
            if (identity.token() == null && !identity.anonymous()) {
                throw new OpenRefusedException(
                        401,
                        "Failed to authenticate: the broker authorizes each session with "
                                + "the client's token, and a password gives none; use a token");
            }
            try {
                lease = c.credentialClients.acquire(identity.token(), settings.maxCredentialClients());
            } catch (PulsarClientException e) {
                throw new OpenRefusedException(503, "Gateway is restarting its Pulsar client; reconnect");
            } catch (CredentialClients.TooManyException e) {
                LOG.warn(
                        "Handshake for role {} refused: maxCredentialClients ({}) reached",
                        io.pulsarws.codec.ClientText.quote(identity.role()),
                        settings.maxCredentialClients());
                throw new OpenRefusedException(503, e.getMessage());
            }
            sessionClient = lease.client();
        }
        AbstractSession session;
        try {
            session = create(c, path, params, request.remoteAddress(), sessionClient, lease != null);
        } catch (OpenRefusedException e) {
            if (lease != null) {
                lease.release();
            }
            LOG.debug(
                    "Refused {} on {} for {}: {} {}", path.kind(), path.topic(), identity, e.status(), e.getMessage());
            throw e;
        }
        session.bindOwner(c.client);
        if (identity != null) {
            session.bindRole(identity.role());
        }
        sessions.add(session, lease); // the lease is released when the session is forgotten
        if (c.isClosed()) { // replaced while the session was being created
            session.close();
            throw new OpenRefusedException(503, "Gateway is restarting its Pulsar client; reconnect");
        }
        LOG.debug("Opened {} for {}", session, identity);
        return session;
    }

    /** Creates the session with the given client, waiting up to the operation timeout. */
    private AbstractSession create(
            Cluster cl,
            EndpointPath path,
            QueryParams params,
            String remoteAddress,
            PulsarClient c,
            boolean brokerAuthorizes)
            throws OpenRefusedException {
        CompletableFuture<? extends AbstractSession> created;
        try {
            SessionDefaults defaults = cl.settings.sessions();
            created = switch (path.kind()) {
                case PRODUCER ->
                    ProducerSession.create(
                            sessionContext, c, path.topic(), ProducerOptions.parse(params, defaults), remoteAddress);
                case CONSUMER -> {
                    ConsumerOptions o = ConsumerOptions.parse(path, params, defaults);
                    String dlq = brokerAuthorizes ? o.deadLetterTopic() : null;
                    yield dlq == null
                            ? ConsumerSession.create(sessionContext, c, o, remoteAddress)
                            : canProduce(c, dlq)
                                    .thenCompose(v -> ConsumerSession.create(sessionContext, c, o, remoteAddress));
                }
                case READER ->
                    ReaderSession.create(
                            sessionContext, c, path.topic(), ReaderOptions.parse(params, defaults), remoteAddress);
            };
        } catch (IllegalArgumentException e) {
            throw new OpenRefusedException(400, e.getMessage());
        }
        try {
            return created.get(cl.settings.client().operationTimeoutMillis(), TimeUnit.MILLISECONDS);
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
        return c.newProducer()
                .topic(topic)
                .createAsync()
                .exceptionally(e -> {
                    Throwable t = Refusals.unwrap(e);
                    if (t instanceof PulsarClientException.AuthorizationException) {
                        throw new CompletionException(new OpenRefusedException(
                                403, "Not authorized to produce to the dead-letter topic " + topic));
                    }
                    throw new CompletionException(t);
                })
                .thenCompose(p -> p.closeAsync());
    }

    @Override
    public List<SessionInfo> sessions() {
        return sessions.infos();
    }

    @Override
    public boolean close(long id) {
        return sessions.close(id);
    }

    @Override
    public List<Setting> effectiveConfiguration() {
        Cluster in = clusters.cluster();
        return clusters.settings().view(in == null ? null : in.serviceUrl);
    }

    /** @return the broker URL the clients in force use, or null while the brokers are being discovered */
    String serviceUrl() {
        Cluster in = clusters.cluster();
        return in == null ? null : in.serviceUrl;
    }

    /** A topic nobody uses: asking for its partitions reaches the broker and creates nothing. */
    static final String PROBE_TOPIC = "persistent://public/default/__pulsarws_readiness_probe";

    @Override
    public CompletableFuture<Void> checkBroker() {
        Cluster c = clusters.cluster();
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "no brokers known yet: waiting for the cluster's entry in the configuration store"));
        }
        return c.client
                .getPartitionsForTopic(PROBE_TOPIC, false)
                .orTimeout(c.settings.client().operationTimeoutMillis(), TimeUnit.MILLISECONDS)
                .handle((partitions, e) -> {
                    Throwable t = e == null ? null : Refusals.unwrap(e);
                    if (t == null
                            || t instanceof PulsarClientException.NotFoundException
                            || t instanceof PulsarClientException.TopicDoesNotExistException) {
                        return null; // the broker answered
                    }
                    throw new CompletionException(t);
                });
    }

    @Override
    public List<NamespaceCounters> counters() {
        return metrics.snapshot();
    }

    SendBudget sendBudget() {
        return sendBudget;
    }

    BatchAcks batchAcks() {
        return batchAcks;
    }

    /** @return the operator's key reader, or null */
    private CryptoKeyReader keyReader() {
        return keyReader;
    }
}
