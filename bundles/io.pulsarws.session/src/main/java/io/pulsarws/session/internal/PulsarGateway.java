package io.pulsarws.session.internal;

import io.pulsarws.codec.FrameCodec;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.PulsarClientException;
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

    /** What consumers and readers hold ahead of their clients, in bytes; limits set with the configuration. */
    private final Prefetch prefetch = new Prefetch(PrefetchSettings.DEFAULT.limits());
    /** Reads the receive queues every 100 ms ({@link Prefetch#tick}); one thread, for the component's lifetime. */
    private final java.util.concurrent.ScheduledExecutorService ticker =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "pulsarws-prefetch");
                t.setDaemon(true);
                return t;
            });

    /** Topic schemas for json sessions, and the threads that wait for the broker to name one. */
    private final Schemas schemas = new Schemas();

    private final NamespaceMetrics metrics = new NamespaceMetrics();
    private final AtomicLong sessionIds = new AtomicLong();
    /** What sessions get of this component. */
    private final SessionContext sessionContext = new SessionContext(
            codec,
            metrics,
            sessionIds::incrementAndGet,
            this::keyReader,
            batchAcks,
            sendBudget,
            schemas,
            prefetch,
            new SharedFrames(),
            sessions::forget);
    /** The clients over time, changed on its own control thread only. */
    private final ClusterManager clusters;
    /** Opens sessions with the clients in force. */
    private final SessionFactory factory;
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
        clusters = new ClusterManager(PID, sessions::closeAll, inForce -> {
            sendBudget.setLimit((long) inForce.memoryLimitMb() << 20);
            prefetch.setLimits(inForce.prefetch().limits());
        });
        if (!clusters.start(config)) {
            throw new IllegalArgumentException("invalid " + PID + " configuration (see the error above)");
        }
        factory = new SessionFactory(clusters::cluster, sessions, sessionContext);
        ticker.scheduleWithFixedDelay(prefetch::tick, 100, 100, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(factory.producers()::expire, 250, 250, TimeUnit.MILLISECONDS);
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
        ticker.shutdownNow();
        factory.producers().close(); // first: producers of POSTs ending while the clients close are closed too
        int open = clusters.close();
        schemas.close();
        LOG.info("Pulsar WebSocket gateway stopped: {} open session(s) closed", open);
    }

    @Override
    public GatewaySession open(OpenRequest request) throws OpenRefusedException {
        CompletableFuture<GatewaySession> opening = factory.openAsync(request);
        try {
            return opening.get();
        } catch (InterruptedException e) {
            opening.thenAccept(GatewaySession::close); // whatever completes later must not linger
            Thread.currentThread().interrupt();
            throw new OpenRefusedException(503, "Gateway is shutting down");
        } catch (ExecutionException e) {
            throw Refusals.of(e);
        }
    }

    @Override
    public CompletableFuture<GatewaySession> openAsync(OpenRequest request) {
        return factory.openAsync(request);
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

    /** @return how many clients with clients' credentials exist now */
    ProducerPool producerPool() {
        return factory.producers();
    }

    int credentialClients() {
        Cluster in = clusters.cluster();
        return in == null ? 0 : in.credentialClients.size();
    }

    Prefetch prefetch() {
        return prefetch;
    }

    BatchAcks batchAcks() {
        return batchAcks;
    }

    /** @return the operator's key reader, or null */
    private CryptoKeyReader keyReader() {
        return keyReader;
    }
}
