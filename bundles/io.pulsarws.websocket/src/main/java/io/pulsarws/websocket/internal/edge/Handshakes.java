package io.pulsarws.websocket.internal.edge;

import io.pulsarws.codec.ClientText;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.TraceParent;
import io.pulsarws.session.ClientIdentity;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.OpenRequest;
import io.pulsarws.session.SessionManager;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a WebSocket handshake and an HTTP fallback request
 * do alike: read the query, open the session, answer a refusal. Stateless.
 */
public final class Handshakes {
    private Handshakes() {}

    /**
     * @return the query parameters, first value of each, without {@code token} (a credential, not a Pulsar
     *     parameter: it goes no further than authentication)
     * @throws OpenRefusedException 400 when the query string cannot be read
     */
    public static Map<String, String> params(HttpExchange x) throws OpenRefusedException {
        Map<String, String> params;
        try {
            params = new HashMap<>(Query.of(x)); // the query string only: never a body, before authentication
        } catch (IllegalArgumentException e) {
            throw new OpenRefusedException(400, "Invalid query string");
        }
        params.remove("token");
        return params;
    }

    /**
     * Opens the request's session.
     *
     * @param manager the session manager, or null while there is none (503)
     * @param identity the authenticated client, or null
     */
    public static GatewaySession open(
            SessionManager manager,
            HttpExchange x,
            EndpointPath path,
            Map<String, String> params,
            ClientIdentity identity)
            throws OpenRefusedException {
        if (manager == null) {
            throw new OpenRefusedException(503, "Gateway has no Pulsar client (not configured or restarting)");
        }
        return open(manager, x, path, params, identity, false);
    }

    /**
     * Opens the request's session, waiting for the broker.
     *
     * @param oneBatch true for a producer that serves one batch of frames and ends ({@link OpenRequest#oneBatch})
     */
    public static GatewaySession open(
            SessionManager manager,
            HttpExchange x,
            EndpointPath path,
            Map<String, String> params,
            ClientIdentity identity,
            boolean oneBatch)
            throws OpenRefusedException {
        if (manager == null) {
            throw new OpenRefusedException(503, "Gateway has no Pulsar client (not configured or restarting)");
        }
        return manager.open(request(x, path, params, identity, oneBatch));
    }

    /**
     * Starts opening the request's session without waiting for the broker ({@link SessionManager#openAsync}).
     *
     * @param manager the session manager, or null while there is none (503)
     * @param identity the authenticated client, or null
     * @return completes with the session, or fails with the {@link OpenRefusedException} to answer
     */
    public static CompletableFuture<GatewaySession> openAsync(
            SessionManager manager,
            HttpExchange x,
            EndpointPath path,
            Map<String, String> params,
            ClientIdentity identity) {
        if (manager == null) {
            return CompletableFuture.failedFuture(
                    new OpenRefusedException(503, "Gateway has no Pulsar client (not configured or restarting)"));
        }
        return manager.openAsync(request(x, path, params, identity, false));
    }

    /**
     * The request for the session manager, with the W3C trace context headers as sent (the session checks them;
     * only the first value of each counts, and one longer than its bound is not passed on).
     */
    private static OpenRequest request(
            HttpExchange x, EndpointPath path, Map<String, String> params, ClientIdentity identity, boolean oneBatch) {
        return new OpenRequest(
                path,
                params,
                x.remoteAddress() + ":" + x.remotePort(),
                identity,
                oneBatch,
                bounded(x.header(TraceParent.TRACEPARENT), 128),
                bounded(x.header(TraceParent.TRACESTATE), TraceParent.MAX_TRACESTATE));
    }

    private static String bounded(String header, int max) {
        return header == null || header.length() > max ? null : header;
    }

    /**
     * Answers a refusal with its status and a one-line plain-text reason, counted in {@code
     * pulsarws_handshakes_refused_total}. Reasons may repeat what the client sent (a topic name, a parameter): one
     * printable line, bounded.
     *
     * @return the reason as answered
     */
    public static String refuse(HttpExchange x, EdgeCounters counters, int status, String why) throws IOException {
        counters.refused(status);
        String reason = reason(why);
        x.status(status);
        x.contentType("text/plain;charset=utf-8");
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        x.contentLength(body.length);
        x.body().write(body);
        return reason;
    }

    /** The refusal of a new client while the node drains ({@link Connections#acceptingNew()}). */
    public static final String DRAINING = "Node draining: connect to another node";

    /**
     * Refuses a new client because the node drains: 503 with {@code Retry-After: 1}, which a balancer may also retry
     * on another node at once (HAProxy's {@code retry-on 503}).
     */
    public static void refuseDraining(HttpExchange x, EdgeCounters counters) throws IOException {
        x.header("Retry-After", "1");
        refuse(x, counters, 503, DRAINING);
    }

    /** @return a refusal's reason as it is answered: one printable line, bounded */
    public static String reason(String why) {
        return ClientText.line(why, RefusalReports.MAX_REASON);
    }
}
