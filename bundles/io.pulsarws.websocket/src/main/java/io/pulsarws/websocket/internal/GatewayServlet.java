package io.pulsarws.websocket.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.SessionManager;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.websocket.servlet.ServletUpgradeRequest;
import org.eclipse.jetty.websocket.servlet.ServletUpgradeResponse;
import org.eclipse.jetty.websocket.servlet.WebSocketServlet;
import org.eclipse.jetty.websocket.servlet.WebSocketServletFactory;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code /ws/...} endpoint. A handshake is decided before the upgrade, as Pulsar's own service does: the
 * path and parameters are parsed, the session manager creates the producer or consumer, and only then is the
 * WebSocket accepted; otherwise the client gets an HTTP status with a one-line plain-text reason. In order: the
 * Origin (403), the session limits (503 for the node, 429 per address), the pending-handshake bound (503), the
 * offered subprotocols ({@link Subprotocols}: 400), the client's token (401), then the session manager (400, 403,
 * 404, 409, 503, 504...).
 *
 * <p>The component takes no configuration and its references are dynamic, so its whiteboard registration never
 * changes: Pax Web would restart the web context, dropping every open WebSocket. Without a session manager (not
 * configured, or being rebuilt) handshakes are answered with 503.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern("/ws/*")
@HttpWhiteboardServletName("pulsar-websocket")
public class GatewayServlet extends WebSocketServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServlet.class);
    /** Request attribute handing the opened session from {@link #service} to the creator, on the same thread. */
    private static final String SESSION_ATTRIBUTE = GatewayServlet.class.getName() + ".session";

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

    /** Set by Jetty through {@link #configure} during servlet init, before any request. */
    private transient WebSocketServletFactory factory;

    @Override
    public void configure(WebSocketServletFactory factory) {
        this.factory = factory;
        factory.setCreator(this::createSocket);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (factory == null || !factory.isUpgradeRequest(req, resp)) {
            super.service(req, resp); // plain HTTP: 405, as Pulsar's service answers
            return;
        }
        WebSocketSettings limits = settings;
        SessionLimits.Permit permit;
        SecuritySettings.Caller caller;
        Subprotocols offered = null;
        try {
            security.checkOrigin(req);
            permit = keepAlive
                    .sessionLimits()
                    .acquire(req.getRemoteAddr(), limits.maxSessions(), limits.maxSessionsPerAddress());
        } catch (OpenRefusedException e) {
            if (e.status() != 403) {
                LOG.warn(
                        "Handshake from {} refused: {}",
                        req.getRemoteAddr(),
                        io.pulsarws.codec.ClientText.line(e.getMessage(), 512));
            }
            refuse(req, resp, e.status(), e.getMessage(), null);
            return;
        }
        int limit = limits.maxPendingHandshakes();
        AtomicInteger pendingHandshakes = keepAlive.pendingHandshakes();
        if (pendingHandshakes.incrementAndGet() > limit) {
            pendingHandshakes.decrementAndGet();
            permit.release();
            refuse(req, resp, 503, "Too many pending handshakes (maxPendingHandshakes); retry later", null);
            LOG.warn("Handshake from {} refused: maxPendingHandshakes ({}) reached", req.getRemoteAddr(), limit);
            return;
        }
        GatewaySession session;
        try {
            // a client's malformed offer is its own error: refused like a bad parameter, never logged above DEBUG
            offered = Subprotocols.of(req.getHeaders("Sec-WebSocket-Protocol"));
            caller = security.authenticate(req, offered.token());
            chargePrincipal(permit, caller, limits);
            session = open(req, caller);
        } catch (OpenRefusedException e) {
            permit.release();
            refuse(req, resp, e.status(), e.getMessage(), offered);
            return;
        } catch (RuntimeException e) {
            permit.release();
            // never let Jetty render it: its error page can carry the stack trace
            LOG.warn("Handshake for {} failed unexpectedly", req.getRequestURI(), e);
            refuse(req, resp, 500, "Internal error: " + e.getClass().getSimpleName(), offered);
            return;
        } finally {
            pendingHandshakes.decrementAndGet();
        }
        req.setAttribute(
                SESSION_ATTRIBUTE,
                new Accepted(session, permit, caller == null ? null : caller.expiresAt(), offered.offered()));
        boolean upgraded = false;
        try {
            super.service(req, resp);
            upgraded = resp.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
        } finally {
            req.removeAttribute(SESSION_ATTRIBUTE);
            // Jetty runs the creator before it validates the rest of the handshake (version, key): whatever did
            // not end in a 101 will never get a socket that could close the session
            if (!upgraded) {
                session.close();
                permit.release();
            }
        }
    }

    /**
     * Charges the session to its authenticated principal (not to the anonymous role, which many clients share: they
     * are counted per address).
     *
     * @throws OpenRefusedException 429 over {@code maxSessionsPerPrincipal}; the permit is released then
     */
    static void chargePrincipal(SessionLimits.Permit permit, SecuritySettings.Caller caller, WebSocketSettings limits)
            throws OpenRefusedException {
        if (caller != null && !caller.identity().anonymous()) {
            permit.chargeTo(caller.identity().role(), limits.maxSessionsPerPrincipal());
        }
    }

    /** What the handshake decided, handed from {@link #service} to the creator. */
    private record Accepted(
            GatewaySession session, SessionLimits.Permit permit, Instant expiresAt, boolean answerProtocol) {}

    private GatewaySession open(HttpServletRequest req, SecuritySettings.Caller caller) throws OpenRefusedException {
        SessionManager manager = sessions;
        if (manager == null) {
            throw new OpenRefusedException(503, "Gateway has no Pulsar client (not configured or restarting)");
        }
        EndpointPath path;
        try {
            path = EndpointPath.parse(
                    req.getRequestURI().substring(req.getContextPath().length()));
        } catch (IllegalArgumentException e) {
            throw new OpenRefusedException(400, "Invalid request path: " + e.getMessage());
        }
        return Handshakes.open(manager, req, path, Handshakes.params(req), caller == null ? null : caller.identity());
    }

    private Object createSocket(ServletUpgradeRequest req, ServletUpgradeResponse resp) {
        HttpServletRequest http = req.getHttpServletRequest();
        Accepted accepted = (Accepted) http.getAttribute(SESSION_ATTRIBUTE);
        http.removeAttribute(SESSION_ATTRIBUTE);
        if (accepted.answerProtocol()) {
            resp.setAcceptedSubProtocol(Subprotocols.PROTOCOL); // never the token, which was offered beside it
        }
        return new GatewaySocket(
                accepted.session(), settings, keepAlive, accepted.permit()::release, accepted.expiresAt());
    }

    /**
     * Answers a refused handshake.
     *
     * @param offered the client's subprotocols if they were read before the refusal, else null
     */
    private void refuse(HttpServletRequest req, HttpServletResponse resp, int status, String why, Subprotocols offered)
            throws IOException {
        String reason = Handshakes.refuse(resp, keepAlive.counters(), status, why);
        LOG.debug("Handshake refused: {} {}", status, reason);
        keepForConsole(req, offered, status, reason);
        resp.flushBuffer();
    }

    /** Keeps the refusal for the web console if the client offered {@code report.<id>} ({@link RefusalReports}). */
    private void keepForConsole(HttpServletRequest req, Subprotocols offered, int status, String reason) {
        if (!settings.consoleEnabled()) {
            return;
        }
        Subprotocols read = offered;
        if (read == null) { // refused before they were read (Origin, limits): read them now, bounded as ever
            try {
                read = Subprotocols.of(req.getHeaders("Sec-WebSocket-Protocol"));
            } catch (OpenRefusedException e) {
                return;
            }
        }
        if (read.report() != null) {
            reports.keep(read.report(), status, reason, req.getRemoteAddr());
        }
    }
}
