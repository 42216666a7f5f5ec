package io.pulsarws.session.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.NamespaceCounters;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.OpenRequest;
import io.pulsarws.session.SessionInfo;
import io.pulsarws.session.SessionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
        this.client = PulsarClient.builder()
                .serviceUrl(config.serviceUrl())
                .operationTimeout(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS)
                .connectionTimeout(config.connectionTimeoutMillis(), TimeUnit.MILLISECONDS)
                .ioThreads(Math.max(1, config.ioThreads()))
                .listenerThreads(1)
                .connectionsPerBroker(Math.max(1, config.connectionsPerBroker()))
                .memoryLimit(Math.max(0, config.memoryLimitMb()), SizeUnit.MEGA_BYTES)
                .statsInterval(0, TimeUnit.SECONDS)
                .build();
        LOG.info("Pulsar WebSocket gateway started: serviceUrl={}, cluster={}, memoryLimit={} MB",
                config.serviceUrl(), config.clusterName(), config.memoryLimitMb());
    }

    @Deactivate
    void deactivate() {
        deactivated = true;
        int open = sessions.size();
        for (AbstractSession s : sessions) {
            s.closeSocket(CLOSE_SERVICE_RESTART, "service restart");
        }
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
        CompletableFuture<? extends AbstractSession> created;
        try {
            if (path.topic() != null) {
                TopicName.get(path.topic()); // validates the name the way the broker will
            }
            created = switch (path.kind()) {
                case PRODUCER -> ProducerSession.create(this, client, codec, path, params, request.remoteAddress());
                case CONSUMER -> ConsumerSession.create(this, client, codec, path, params, request.remoteAddress());
                case READER -> ReaderSession.create(this, client, codec, path, params, request.remoteAddress());
            };
        } catch (IllegalArgumentException e) {
            throw new OpenRefusedException(400, e.getMessage());
        }
        try {
            AbstractSession session = created.get(config.operationTimeoutMillis(), TimeUnit.MILLISECONDS);
            sessions.add(session);
            if (deactivated) {
                session.close();
                throw new OpenRefusedException(503, "Gateway is restarting its Pulsar client; reconnect");
            }
            LOG.debug("Opened {}", session);
            return session;
        } catch (TimeoutException e) {
            // whatever completes later must not linger
            created.thenAccept(AbstractSession::close);
            throw new OpenRefusedException(504, "Failed to create producer/consumer: timed out");
        } catch (InterruptedException e) {
            created.thenAccept(AbstractSession::close);
            Thread.currentThread().interrupt();
            throw new OpenRefusedException(503, "Gateway is shutting down");
        } catch (OpenRefusedException e) {
            throw e;
        } catch (Exception e) {
            OpenRefusedException refusal = Refusals.of(e);
            LOG.debug("Refused {} on {}: {} {}", path.kind(), path.topic(), refusal.status(), refusal.getMessage());
            throw refusal;
        }
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
    }

}
