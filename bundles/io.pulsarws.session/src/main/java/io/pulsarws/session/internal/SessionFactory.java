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
 * options, creates the producer, consumer or reader (waiting up to the operation timeout) and registers the
 * session. Runs on Jetty's handshake threads; it keeps no state of its own.
 */
final class SessionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(SessionFactory.class);

    /** The clients in force, or null while the brokers are being discovered. */
    private final Supplier<Cluster> clusters;

    private final SessionRegistry sessions;
    private final SessionContext context;

    SessionFactory(Supplier<Cluster> clusters, SessionRegistry sessions, SessionContext context) {
        this.clusters = clusters;
        this.sessions = sessions;
        this.context = context;
    }

    /**
     * Validates the request, picks the client (the gateway's own, or a lease on the client of the client's token),
     * creates the session and registers it.
     *
     * @throws OpenRefusedException with the HTTP status and reason to answer the handshake with
     */
    GatewaySession open(OpenRequest request) throws OpenRefusedException {
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
        AbstractSession session;
        String owner = ClientIdentity.chargedTo(identity, request.remoteAddress());
        try {
            if (path.kind() != EndpointPath.Kind.PRODUCER) {
                context.prefetch().admit(owner);
            }
            session = create(c, path, params, request.remoteAddress(), sessionClient, lease != null);
        } catch (OpenRefusedException e) {
            if (lease != null) {
                lease.release();
            }
            LOG.debug(
                    "Refused {} on {} for {}: {} {}", path.kind(), path.topic(), identity, e.status(), e.getMessage());
            throw e;
        }
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
                            context, c, path.topic(), ProducerOptions.parse(params, defaults), remoteAddress);
                case CONSUMER -> {
                    ConsumerOptions o = ConsumerOptions.parse(path, params, defaults);
                    String dlq = brokerAuthorizes ? o.deadLetterTopic() : null;
                    yield dlq == null
                            ? ConsumerSession.create(context, c, o, remoteAddress)
                            : canProduce(c, dlq).thenCompose(v -> ConsumerSession.create(context, c, o, remoteAddress));
                }
                case READER ->
                    ReaderSession.create(
                            context, c, path.topic(), ReaderOptions.parse(params, defaults), remoteAddress);
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
}
