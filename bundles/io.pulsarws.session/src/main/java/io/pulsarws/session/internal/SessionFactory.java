package io.pulsarws.session.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.ClientIdentity;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.OpenRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a handshake into a session or an HTTP refusal: checks the topic, picks the Pulsar client, parses the
 * options, starts creating the producer, consumer or reader and registers the session once the broker answered
 * (within the operation timeout). Called on the endpoints' handshake threads; its only state is the pool of idle
 * producers that one-batch sessions (HTTP POSTs) hand on to the next.
 */
final class SessionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(SessionFactory.class);

    /** The clients in force, or null while the brokers are being discovered. */
    private final Supplier<Cluster> clusters;

    private final SessionRegistry sessions;
    private final SessionContext context;
    /** Producers of finished one-batch sessions, for the next one with the same key. */
    private final ProducerPool producers;

    SessionFactory(Supplier<Cluster> clusters, SessionRegistry sessions, SessionContext context) {
        this(clusters, sessions, context, new ProducerPool());
    }

    SessionFactory(Supplier<Cluster> clusters, SessionRegistry sessions, SessionContext context, ProducerPool pool) {
        this.clusters = clusters;
        this.sessions = sessions;
        this.context = context;
        this.producers = pool;
    }

    /** @return the idle producers of one-batch sessions */
    ProducerPool producers() {
        return producers;
    }

    /**
     * Validates the request, picks the client (the gateway's own, or a lease on the client of the client's token),
     * creates the session and registers it. What can be decided at once (the topic's name, the options, the
     * credentials) is decided on the caller's thread; the broker's answer completes the future on the Pulsar
     * client's thread, and no thread waits for it.
     *
     * @return the registered session, or a failure with the {@link OpenRefusedException} (HTTP status and reason) to
     *     answer the handshake with; a session created after the operation timeout is closed, never handed over
     */
    CompletableFuture<GatewaySession> openAsync(OpenRequest request) {
        try {
            return begin(request);
        } catch (OpenRefusedException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<GatewaySession> begin(OpenRequest request) throws OpenRefusedException {
        EndpointPath path = request.path();
        QueryParams params = new QueryParams(request.params());
        if (path.topic() != null) {
            try {
                TopicName.get(path.topic()); // validates the name the way the broker will
            } catch (IllegalArgumentException e) {
                throw new OpenRefusedException(400, e.getMessage());
            }
        }
        Cluster c = clusters.get();
        if (c == null) {
            throw new OpenRefusedException(503, "Gateway is waiting for its cluster's brokers (configuration store)");
        }
        CredentialClients.Lease lease = null;
        PulsarClient sessionClient = c.client;
        ClientIdentity identity = request.identity();
        GatewaySettings settings = c.settings;
        if (settings.authorizationEnabled() && identity == null) {
            // fail closed: never let an unauthenticated client act with the gateway's own broker credentials
            LOG.debug("Handshake refused: authorizationEnabled=true but the client was not authenticated "
                    + "(authenticationEnabled is off in io.pulsarws.security, and no anonymousUserRole)");
            throw new OpenRefusedException(
                    401,
                    "Failed to authenticate: this gateway authorizes every session, and the client is not "
                            + "authenticated");
        }
        if (settings.authorizationEnabled()) {
            if (identity.token() == null && !identity.anonymous()) {
                throw new OpenRefusedException(
                        401,
                        "Failed to authenticate: the broker authorizes each session with "
                                + "the client's token, and a password gives none; use a token");
            }
            try {
                lease = c.credentialClients.acquire(
                        CredentialClients.key(identity.role(), identity.token(), settings.clientPerToken()),
                        identity.token(),
                        settings.maxCredentialClients());
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
        String owner = ClientIdentity.chargedTo(identity, request.remoteAddress());
        CompletableFuture<AbstractSession> created;
        try {
            if (path.kind() != EndpointPath.Kind.PRODUCER) {
                context.prefetch().admit(owner);
            }
            created = create(c, request, params, sessionClient, lease != null);
        } catch (OpenRefusedException e) {
            refused(path, identity, lease, e);
            throw e;
        }
        CredentialClients.Lease held = lease;
        return created.handle((session, failure) -> {
            if (failure != null) {
                OpenRefusedException e = Refusals.of(failure);
                refused(path, identity, held, e);
                throw new CompletionException(e);
            }
            return register(c, session, held, identity, owner);
        });
    }

    private static void refused(
            EndpointPath path, ClientIdentity identity, CredentialClients.Lease lease, OpenRefusedException e) {
        if (lease != null) {
            lease.release();
        }
        LOG.debug("Refused {} on {} for {}: {} {}", path.kind(), path.topic(), identity, e.status(), e.getMessage());
    }

    /** Hands the created session to the registry, unless its client was replaced meanwhile. */
    private GatewaySession register(
            Cluster c, AbstractSession session, CredentialClients.Lease lease, ClientIdentity identity, String owner) {
        if (session instanceof DeliverySession d) {
            d.watch(context.prefetch(), owner);
        }
        session.bindOwner(c.client);
        if (identity != null) {
            session.bindRole(identity.role());
        }
        sessions.add(session, lease); // the lease is released when the session is forgotten
        if (c.isClosed()) { // replaced while the session was being created
            session.close();
            throw new CompletionException(
                    new OpenRefusedException(503, "Gateway is restarting its Pulsar client; reconnect"));
        }
        LOG.debug("Opened {} for {}", session, identity);
        return session;
    }

    /**
     * Starts creating the session with the given client.
     *
     * @return completes with the session, or fails within the operation timeout (then 504: a session created
     *     later is closed at once)
     * @param params the request's query parameters, read once by the caller
     * @throws OpenRefusedException 400 when the options cannot be read
     */
    private CompletableFuture<AbstractSession> create(
            Cluster cl, OpenRequest request, QueryParams params, PulsarClient c, boolean brokerAuthorizes)
            throws OpenRefusedException {
        EndpointPath path = request.path();
        String remoteAddress = request.remoteAddress();
        CompletableFuture<? extends AbstractSession> created;
        try {
            SessionDefaults defaults = cl.settings.sessions();
            created = switch (path.kind()) {
                case PRODUCER -> {
                    ProducerOptions o = ProducerOptions.parse(params, defaults);
                    // a one-batch session (an HTTP POST) may take the producer one of the same role left idle
                    ProducerPool.Key key = request.oneBatch() && ProducerPool.eligible(o)
                            ? new ProducerPool.Key(
                                    c,
                                    request.identity() == null
                                            ? null
                                            : request.identity().role(),
                                    path.topic(),
                                    o)
                            : null;
                    ProducerPool.Idle idle = key == null ? null : producers.take(key);
                    CompletableFuture<ProducerSession> session = idle != null
                            ? CompletableFuture.completedFuture(
                                    ProducerSession.reuse(context, idle, path.topic(), o, remoteAddress))
                            : ProducerSetup.create(context, c, path.topic(), o, remoteAddress);
                    yield session.thenApply(s -> {
                        if (key != null) {
                            s.returnsTo(producers, key);
                        }
                        s.continueTrace(request.traceparent(), request.tracestate());
                        return s;
                    });
                }
                case CONSUMER -> {
                    ConsumerOptions o = ConsumerOptions.parse(path, params, defaults);
                    String dlq = brokerAuthorizes ? o.deadLetterTopic() : null;
                    yield dlq == null
                            ? ConsumerSetup.create(context, c, o, remoteAddress)
                            : canProduce(c, dlq).thenCompose(v -> ConsumerSetup.create(context, c, o, remoteAddress));
                }
                case READER ->
                    ReaderSession.create(
                            context, c, path.topic(), ReaderOptions.parse(params, defaults), remoteAddress);
            };
        } catch (IllegalArgumentException e) {
            throw new OpenRefusedException(400, e.getMessage());
        }
        CompletableFuture<AbstractSession> answer = new CompletableFuture<>();
        created.whenComplete((session, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else if (!answer.complete(session)) {
                session.close(); // created after the timeout (or after the caller gave up): must not linger
            }
        });
        answer.orTimeout(cl.settings.client().operationTimeoutMillis(), TimeUnit.MILLISECONDS);
        return answer.exceptionallyCompose(e -> CompletableFuture.failedFuture(
                Refusals.unwrap(e) instanceof TimeoutException
                        ? new OpenRefusedException(504, "Failed to create producer/consumer: timed out")
                        : e));
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
}
