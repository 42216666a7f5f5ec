package io.pulsarws.websocket.internal.websocket;

import io.pulsarws.codec.ClientText;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.SessionManager;
import io.pulsarws.websocket.internal.edge.Handshakes;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.RefusalReports;
import io.pulsarws.websocket.internal.edge.SessionLimits;
import io.pulsarws.websocket.internal.edge.WebSocketSettings;
import io.pulsarws.websocket.internal.security.SecuritySettings;
import io.pulsarws.websocket.transport.HttpExchange;
import io.pulsarws.websocket.transport.WebSocketEndpoint;
import io.pulsarws.websocket.transport.WebSocketHandler;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code /ws/...} endpoint, whatever the transport. A handshake is decided before the upgrade, as Pulsar's own
 * service does: the path and parameters are parsed, the session manager creates the producer or consumer, and only
 * then is the WebSocket accepted; otherwise the client gets an HTTP status with a one-line plain-text reason. In
 * order: the Origin and Host (403), the session limits (503 for the node, 429 per address), the pending-handshake
 * bound (503), the offered subprotocols ({@link Subprotocols}: 400), the client's token (401), then the session
 * manager (400, 403, 404, 409, 503, 504...). No thread waits for the session manager: the handshake is a
 * {@link Pending} until the broker answers, bounded in number by {@code maxPendingHandshakes}.
 *
 * <p>The component takes no configuration and its references are dynamic, so the transport's servlet registration
 * never changes: the container would restart the web context, dropping every open WebSocket. Without a session
 * manager (not configured, or being rebuilt) handshakes are answered with 503.
 */
@Component(service = WebSocketEndpoint.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
public class Endpoints implements WebSocketEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SessionManager sessions;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile WebSocketSettings settings;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile KeepAlive keepAlive;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile SecuritySettings security;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile RefusalReports reports;

    @Override
    public int maxTextMessageBytes() {
        return settings.maxTextFrameSize();
    }

    @Override
    public Pending handshake(HttpExchange x) throws IOException {
        WebSocketSettings limits = settings;
        SessionLimits.Permit permit;
        Subprotocols offered = null;
        try {
            security.checkOrigin(x);
            if (!keepAlive.connections().acceptingNew()) {
                keepForConsole(x, null, 503, Handshakes.DRAINING);
                Handshakes.refuseDraining(x, keepAlive.counters());
                x.flush();
                return null;
            }
            permit = keepAlive
                    .sessionLimits()
                    .acquire(x.remoteAddress(), limits.maxSessions(), limits.maxSessionsPerAddress());
        } catch (OpenRefusedException e) {
            if (e.status() != 403) {
                LOG.warn("Handshake from {} refused: {}", x.remoteAddress(), ClientText.line(e.getMessage(), 512));
            }
            refuse(x, e.status(), e.getMessage(), null);
            return null;
        }
        int limit = limits.maxPendingHandshakes();
        AtomicInteger pendingHandshakes = keepAlive.pendingHandshakes();
        if (pendingHandshakes.incrementAndGet() > limit) {
            pendingHandshakes.decrementAndGet();
            permit.release();
            refuse(x, 503, "Too many pending handshakes (maxPendingHandshakes); retry later", null);
            LOG.warn("Handshake from {} refused: maxPendingHandshakes ({}) reached", x.remoteAddress(), limit);
            return null;
        }
        CompletableFuture<GatewaySession> opening;
        SecuritySettings.Caller caller = null;
        try {
            // a client's malformed offer is its own error: refused like a bad parameter, never logged above DEBUG
            offered = Subprotocols.of(x.headers("Sec-WebSocket-Protocol"));
            caller = security.authenticate(x, offered.token());
            SecuritySettings.chargePrincipal(permit, caller, limits);
            opening = open(x, caller);
        } catch (OpenRefusedException e) {
            opening = CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            // never let the container render it: its error page can carry the stack trace
            LOG.warn("Handshake for {} failed unexpectedly", x.path(), e);
            opening = CompletableFuture.failedFuture(new OpenRefusedException(
                    500, "Internal error: " + e.getClass().getSimpleName()));
        }
        return new Opening(opening, permit, caller, x.remoteAddress(), offered);
    }

    /**
     * A handshake whose session is being opened: it holds its session-limit permit and a pending-handshake place,
     * and no thread, until the transport finishes or abandons it.
     */
    private final class Opening implements Pending {
        private final CompletableFuture<GatewaySession> opening;
        private final SessionLimits.Permit permit;
        private final SecuritySettings.Caller caller;
        private final String remoteAddress;
        /** The client's subprotocols, or null when refused before they were read. */
        private final Subprotocols offered;

        private final AtomicBoolean ended = new AtomicBoolean();

        Opening(
                CompletableFuture<GatewaySession> opening,
                SessionLimits.Permit permit,
                SecuritySettings.Caller caller,
                String remoteAddress,
                Subprotocols offered) {
            this.opening = opening;
            this.permit = permit;
            this.caller = caller;
            this.remoteAddress = remoteAddress;
            this.offered = offered;
        }

        @Override
        public CompletionStage<?> decided() {
            return opening.handle((session, failure) -> null);
        }

        @Override
        public Upgrade finish(HttpExchange x) throws IOException {
            if (!ended.compareAndSet(false, true)) {
                return null; // abandoned meanwhile: its session is closed
            }
            keepAlive.pendingHandshakes().decrementAndGet();
            GatewaySession session;
            try {
                session = opening.getNow(null);
            } catch (CompletionException | CancellationException e) {
                permit.release();
                Throwable t = e.getCause() == null ? e : e.getCause();
                if (t instanceof OpenRefusedException refusal) {
                    refuse(x, refusal.status(), refusal.getMessage(), offered);
                } else {
                    LOG.warn("Handshake for {} failed unexpectedly", x.path(), t);
                    refuse(x, 500, "Internal error: " + t.getClass().getSimpleName(), offered);
                }
                return null;
            }
            if (session == null) { // the transport broke the contract: finish before decided
                opening.thenAccept(GatewaySession::close);
                permit.release();
                refuse(x, 500, "Internal error: handshake finished before it was decided", offered);
                return null;
            }
            if (!keepAlive.connections().acceptingNew()) {
                // the node began to drain while this handshake waited for the broker (up to the operation timeout):
                // refused as a new client is now, rather than accepted and closed again by the drain
                session.close();
                permit.release();
                keepForConsole(x, offered, 503, Handshakes.DRAINING);
                Handshakes.refuseDraining(x, keepAlive.counters());
                x.flush();
                return null;
            }
            return new Accepted(
                    session,
                    permit,
                    caller == null ? null : caller.expiresAt(),
                    SecuritySettings.owner(caller, remoteAddress),
                    offered.offered(),
                    settings.permessageDeflate());
        }

        @Override
        public void abandon() {
            if (ended.compareAndSet(false, true)) {
                keepAlive.pendingHandshakes().decrementAndGet();
                permit.release();
                opening.thenAccept(GatewaySession::close); // now, or whenever the broker answers
            }
        }
    }

    /** What the handshake decided, until the transport upgrades or gives up. */
    private final class Accepted implements Upgrade {
        private final GatewaySession session;
        private final SessionLimits.Permit permit;
        private final Instant expiresAt;
        /** Whom the socket's bytes being received are charged to. */
        private final String owner;

        private final boolean answerProtocol;
        /** The setting as it was when the handshake was decided. */
        private final boolean deflate;

        private final AtomicBoolean decided = new AtomicBoolean();
        private final AtomicBoolean abandoned = new AtomicBoolean();

        Accepted(
                GatewaySession session,
                SessionLimits.Permit permit,
                Instant expiresAt,
                String owner,
                boolean answerProtocol,
                boolean deflate) {
            this.session = session;
            this.permit = permit;
            this.expiresAt = expiresAt;
            this.owner = owner;
            this.answerProtocol = answerProtocol;
            this.deflate = deflate;
        }

        @Override
        public String subprotocol() {
            return answerProtocol ? Subprotocols.PROTOCOL : null; // never the token, which was offered beside it
        }

        @Override
        public boolean permessageDeflate() {
            return deflate;
        }

        @Override
        public WebSocketHandler accept() {
            if (!decided.compareAndSet(false, true)) {
                throw new IllegalStateException("upgrade decided twice");
            }
            return new GatewaySocket(session, settings, keepAlive, permit::release, expiresAt, owner);
        }

        /** Also after {@link #accept()}: a container may create the socket and still not upgrade. */
        @Override
        public void abandon() {
            // the container refused the rest of the handshake (version, key, subprotocol): no socket will close the
            // session, and the socket created meanwhile (if any) is never opened
            if (abandoned.compareAndSet(false, true)) {
                session.close();
                permit.release();
            }
        }
    }

    private CompletableFuture<GatewaySession> open(HttpExchange x, SecuritySettings.Caller caller)
            throws OpenRefusedException {
        SessionManager manager = sessions;
        if (manager == null) {
            throw new OpenRefusedException(503, "Gateway has no Pulsar client (not configured or restarting)");
        }
        EndpointPath path;
        try {
            path = EndpointPath.parse(x.path());
        } catch (IllegalArgumentException e) {
            throw new OpenRefusedException(400, "Invalid request path: " + e.getMessage());
        }
        return Handshakes.openAsync(manager, x, path, Handshakes.params(x), caller == null ? null : caller.identity());
    }

    /**
     * Answers a refused handshake.
     *
     * @param offered the client's subprotocols if they were read before the refusal, else null
     */
    private void refuse(HttpExchange x, int status, String why, Subprotocols offered) throws IOException {
        // kept before it is answered: a body written to its full Content-Length may leave at once, and the console
        // asks for the report as soon as its WebSocket reports the refusal
        keepForConsole(x, offered, status, Handshakes.reason(why));
        String reason = Handshakes.refuse(x, keepAlive.counters(), status, why);
        LOG.debug("Handshake refused: {} {}", status, reason);
        x.flush();
    }

    /** Keeps the refusal for the web console if the client offered {@code report.<id>} ({@link RefusalReports}). */
    private void keepForConsole(HttpExchange x, Subprotocols offered, int status, String reason) {
        if (!settings.consoleEnabled()) {
            return;
        }
        Subprotocols read = offered;
        if (read == null) { // refused before they were read (Origin, limits): read them now, bounded as ever
            try {
                read = Subprotocols.of(x.headers("Sec-WebSocket-Protocol"));
            } catch (OpenRefusedException e) {
                return;
            }
        }
        if (read.report() != null) {
            reports.keep(read.report(), status, reason, x.remoteAddress());
        }
    }
}
