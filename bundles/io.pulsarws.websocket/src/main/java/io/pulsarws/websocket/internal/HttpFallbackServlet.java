package io.pulsarws.websocket.internal;

import io.pulsarws.codec.ClientText;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameSpans;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.SessionManager;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.servlet.AsyncContext;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP fallback, for clients whose network lets no WebSocket through: the same sessions as {@code /ws/...}, at
 * the same paths under {@code /http/...}.
 *
 * <ul>
 *   <li>{@code GET} on a consumer or reader path: the messages as Server-Sent Events ({@link EventStream}), each event
 *       the frame the WebSocket would carry, with the message id as the event id. The first event names the stream
 *       ({@code event: session}); {@code autoAck=true} acknowledges each message once its event is written. A reader
 *       that reconnects with {@code Last-Event-ID} resumes after that message.
 *   <li>{@code POST} on a consumer or reader path with {@code session=<id>}: consumer commands (acks, nacks, permits,
 *       a frame or an array of them) for that stream, from the same caller.
 *   <li>{@code POST} on a producer path: one send frame or an array of them, answered with the results in the same
 *       order ({@link ProducerPost}).
 *   <li>{@code OPTIONS}: the CORS preflight, for an allowed Origin.
 * </ul>
 *
 * <p>Every request passes what a WebSocket handshake passes, in the same order and with the same answers: the Origin
 * (403), the node's and the address's session limits (503, 429, shared with the WebSockets), the pending-handshake
 * bound (503), authentication (401), then the session manager. A body is read only up to {@code maxTextFrameSize}
 * bytes (413 beyond).
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern("/http/*")
@HttpWhiteboardServletName("pulsar-websocket-http")
@HttpWhiteboardServletAsyncSupported
public class HttpFallbackServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(HttpFallbackServlet.class);
    /** Frames in one POST at most. */
    static final int MAX_FRAMES = 1000;
    /**
     * How long a POST of send frames waits for the broker's answers before the missing ones say "unknown": below
     * the HTTP connector's idle timeout (30 s in Pax Web), which would otherwise drop the connection first and the
     * answers with it.
     */
    static final long PRODUCE_TIMEOUT_MILLIS = 20_000;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SessionManager sessions;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile WebSocketSettings settings;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile KeepAlive keepAlive;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile SecuritySettings security;

    /**
     * The open event streams by their id. Bounded by the session limits: every stream holds a session permit, and
     * leaves the map when it ends.
     */
    private final transient Map<String, EventStream> streams = new ConcurrentHashMap<>();

    /** The producer POSTs in progress; bounded by the session limits likewise (each holds a permit). */
    private final transient java.util.Set<ProducerPost> posts = ConcurrentHashMap.newKeySet();

    /** The request bodies being read, in bytes of buffer, for the node. */
    private final transient BodyReader.Budget bodies = new BodyReader.Budget();

    private final transient FrameCodec codec = new FrameCodec();
    private final transient SecureRandom random = new SecureRandom();

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!settings.httpEnabled()) {
            refuse(resp, 404, "The HTTP fallback is off on this gateway (httpEnabled=false)");
            return;
        }
        try {
            security.checkOrigin(req);
        } catch (OpenRefusedException e) {
            refuse(resp, e.status(), e.getMessage());
            return;
        }
        String origin = req.getHeader("Origin");
        if (origin != null) {
            // allowed (checked above): the page may read the answer; credentials travel as a token, never cookies
            resp.setHeader("Access-Control-Allow-Origin", origin);
            resp.setHeader("Vary", "Origin");
        }
        EndpointPath path;
        try {
            String p = req.getRequestURI().substring(req.getContextPath().length());
            path = EndpointPath.parse("/ws" + p.substring("/http".length()));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            refuse(resp, 400, "Invalid request path: " + e.getMessage());
            return;
        }
        switch (req.getMethod()) {
            case "OPTIONS" -> preflight(resp);
            case "GET" -> {
                if (path.kind() == EndpointPath.Kind.PRODUCER) {
                    notAllowed(resp, "POST, OPTIONS");
                } else {
                    stream(req, resp, path);
                }
            }
            case "POST" -> {
                if (path.kind() == EndpointPath.Kind.PRODUCER) {
                    produce(req, resp, path);
                } else {
                    commands(req, resp);
                }
            }
            default ->
                notAllowed(resp, path.kind() == EndpointPath.Kind.PRODUCER ? "POST, OPTIONS" : "GET, POST, OPTIONS");
        }
    }

    private static void preflight(HttpServletResponse resp) {
        resp.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        resp.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID");
        resp.setHeader("Access-Control-Max-Age", "600");
        resp.setStatus(204);
    }

    private void notAllowed(HttpServletResponse resp, String allow) throws IOException {
        resp.setHeader("Allow", allow);
        refuse(resp, 405, "Method not allowed here; allowed: " + allow);
    }

    /** {@code GET}: opens a consumer or reader and streams its messages. */
    private void stream(HttpServletRequest req, HttpServletResponse resp, EndpointPath path) throws IOException {
        Map<String, String> params = params(req);
        if (params == null) {
            refuse(resp, 400, "Invalid query string");
            return;
        }
        boolean autoAck = "true".equals(params.remove("autoAck"));
        String lastEventId = req.getHeader("Last-Event-ID");
        if (lastEventId != null && path.kind() == EndpointPath.Kind.READER) {
            params.put("messageId", lastEventId); // the reader starts after it; checked like any messageId
        }
        admit(req, resp, true, false, (a, body) -> {
            GatewaySession session = open(req, path, params, a);
            try {
                startStream(req, resp, session, a, autoAck);
                return true;
            } catch (IOException | RuntimeException e) {
                session.close();
                throw e;
            }
        });
    }

    private void startStream(
            HttpServletRequest req, HttpServletResponse resp, GatewaySession session, Admitted a, boolean autoAck)
            throws IOException {
        String id = newStreamId();
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // the stream lasts as long as the session; its keep-alive comments keep proxies open
        resp.setStatus(200);
        resp.setContentType("text/event-stream;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Accel-Buffering", "no"); // a proxy that buffers would hold every event back
        WebSocketSettings limits = settings;
        EventStream s = new EventStream(
                id,
                session,
                a.role(),
                async,
                keepAlive,
                limits.maxQueuedBytesPerSession(),
                limits.maxQueuedBytes(),
                limits.slowClientTimeoutMillis(),
                autoAck,
                a.caller() == null ? null : a.caller().expiresAt(),
                () -> {
                    streams.remove(id);
                    a.permit().release();
                });
        streams.put(id, s);
        try {
            s.start();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Event stream {} could not start: {}", id, e.toString());
            s.end(); // releases the session, the permit and the map entry
            throw e;
        }
    }

    /**
     * {@code POST} on a consumer or reader path: commands for an open stream. They take no session place (they
     * belong to their stream's), but a pending-handshake place while the body is read, as every request does.
     */
    private void commands(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String id;
        try {
            id = Query.of(req).get("session");
        } catch (IllegalArgumentException e) {
            refuse(resp, 400, "Invalid query string");
            return;
        }
        if (id == null) {
            refuse(resp, 400, "session=<id> is required: commands go to the event stream that delivered the messages");
            return;
        }
        admit(req, resp, false, true, (a, body) -> {
            EventStream s = streams.get(id);
            if (s == null) {
                throw new OpenRefusedException(404, "No such event stream (it ended, or the id is wrong)");
            }
            if (s.role() != null && !s.role().equals(a.role())) {
                throw new OpenRefusedException(403, "The event stream belongs to another client");
            }
            if (!s.writable()) {
                // a WebSocket is not read while what is queued for it is over its budget; nor are these
                resp.setHeader("Retry-After", "1");
                throw new OpenRefusedException(
                        503, "The event stream is not being read (over its outbound budget); retry when it is");
            }
            Frames f = frames(body, resp);
            if (f == null) {
                return false;
            }
            for (int i = 0; i < f.spans().count(); i++) {
                if (!s.command(f.body(), f.spans().offsets()[i], f.spans().lengths()[i])) {
                    throw new OpenRefusedException(404, "The event stream ended; " + i + " command(s) applied");
                }
            }
            resp.setStatus(204);
            return false;
        });
    }

    /** {@code POST} on a producer path: sends the frames, answers with their results. */
    private void produce(HttpServletRequest req, HttpServletResponse resp, EndpointPath path) throws IOException {
        Map<String, String> params = params(req);
        if (params == null) {
            refuse(resp, 400, "Invalid query string");
            return;
        }
        admit(req, resp, true, true, (a, body) -> {
            // split before the producer is opened: a body that is refused costs no producer
            Frames f = frames(body, resp);
            if (f == null) {
                return false;
            }
            GatewaySession session = open(req, path, params, a);
            try {
                AsyncContext async = a.async();
                ProducerPost[] post = new ProducerPost[1];
                post[0] = new ProducerPost(
                        session, f.body(), f.spans(), async, codec, PRODUCE_TIMEOUT_MILLIS, keepAlive, () -> {
                            posts.remove(post[0]);
                            a.permit().release();
                        });
                posts.add(post[0]);
                post[0].start();
                return true;
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
        });
    }

    /**
     * Who a request is from, the place it holds in the session limits (or null), and its asynchronous context when
     * its body was read without a thread (else null).
     */
    private record Admitted(SessionLimits.Permit permit, SecuritySettings.Caller caller, AsyncContext async) {
        String role() {
            return caller == null ? null : caller.identity().role();
        }
    }

    /** What a request does once admitted; it may refuse with an {@link OpenRefusedException}. */
    @FunctionalInterface
    private interface Admission {
        /**
         * @param body the request body (checked against {@code maxTextFrameSize}), or null for a request without one
         * @return true when what it opened has taken over the permit and the asynchronous context (it releases the
         *     one and completes the other when it ends)
         */
        boolean run(Admitted a, byte[] body) throws IOException, OpenRefusedException;
    }

    /**
     * Passes the request through what a WebSocket handshake passes, in the same order (the Origin was checked
     * already): the session limits (when it opens a session), authentication; then the body, if it has one, is read
     * without a thread and within {@code requestBodyTimeoutMillis} (408 after), holding no pending-handshake place,
     * so that clients trickling their bodies cannot keep others from connecting; then, holding a pending place, runs
     * {@code then}. Every refusal is answered here.
     */
    private void admit(
            HttpServletRequest req, HttpServletResponse resp, boolean opensSession, boolean hasBody, Admission then)
            throws IOException {
        WebSocketSettings limits = settings;
        KeepAlive k = keepAlive;
        SessionLimits.Permit permit = null;
        if (opensSession) {
            try {
                permit = k.sessionLimits()
                        .acquire(req.getRemoteAddr(), limits.maxSessions(), limits.maxSessionsPerAddress());
            } catch (OpenRefusedException e) {
                LOG.warn("HTTP request from {} refused: {}", req.getRemoteAddr(), ClientText.line(e.getMessage(), 512));
                refuse(resp, e.status(), e.getMessage());
                return;
            }
        }
        SecuritySettings.Caller caller;
        try {
            caller = security.authenticate(req, null);
            if (permit != null) {
                GatewayServlet.chargePrincipal(permit, caller, limits);
            }
        } catch (OpenRefusedException e) {
            if (permit != null) {
                permit.release();
            }
            refuse(resp, e.status(), e.getMessage());
            return;
        }
        if (!hasBody) {
            proceed(req, resp, new Admitted(permit, caller, null), null, then);
            return;
        }
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // the body's own deadline below answers 408; the container's would answer 500
        Admitted admitted = new Admitted(permit, caller, async);
        BodyReader.read(
                req.getInputStream(),
                req.getContentLengthLong(),
                new BodyReader.Limits(
                        limits.maxTextFrameSize(),
                        limits.requestBodyTimeoutMillis(),
                        // what a full pending-handshake bound held when bodies were read there: 64 MiB by default
                        (long) limits.maxPendingHandshakes() * limits.maxTextFrameSize()),
                bodies,
                k,
                new BodyReader.Outcome() {
                    @Override
                    public void body(byte[] body) {
                        try {
                            proceed(req, resp, admitted, body, then);
                        } catch (IOException e) {
                            LOG.debug("Answering {} failed: {}", req.getRequestURI(), e.toString());
                        }
                    }

                    @Override
                    public void refused(int status, String reason) {
                        if (admitted.permit() != null) {
                            admitted.permit().release();
                        }
                        try {
                            if (status == 408) {
                                resp.setHeader("Connection", "close");
                            } else if (status == 503) {
                                resp.setHeader("Retry-After", "1");
                            }
                            refuse(resp, status, reason);
                        } catch (IOException | IllegalStateException e) {
                            LOG.debug("Answering {} failed: {}", req.getRequestURI(), e.toString());
                        } finally {
                            complete(async);
                        }
                    }
                });
    }

    /** Runs an admitted request, holding a pending-handshake place meanwhile. */
    private void proceed(HttpServletRequest req, HttpServletResponse resp, Admitted a, byte[] body, Admission then)
            throws IOException {
        AtomicInteger pending = keepAlive.pendingHandshakes();
        if (pending.incrementAndGet() > settings.maxPendingHandshakes()) {
            pending.decrementAndGet();
            if (a.permit() != null) {
                a.permit().release();
            }
            refuse(resp, 503, "Too many pending handshakes (maxPendingHandshakes); retry later");
            complete(a.async());
            return;
        }
        boolean handedOver = false;
        try {
            handedOver = then.run(a, body);
        } catch (OpenRefusedException e) {
            refuse(resp, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("HTTP request for {} failed unexpectedly", req.getRequestURI(), e);
            refuse(resp, 500, "Internal error: " + e.getClass().getSimpleName());
        } finally {
            pending.decrementAndGet();
            if (!handedOver) {
                if (a.permit() != null) {
                    a.permit().release();
                }
                complete(a.async());
            }
        }
    }

    private static void complete(AsyncContext async) {
        if (async != null) {
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // completed already
            }
        }
    }

    /** Opens the request's session with the session manager. */
    private GatewaySession open(HttpServletRequest req, EndpointPath path, Map<String, String> params, Admitted a)
            throws OpenRefusedException {
        return Handshakes.open(
                sessions,
                req,
                path,
                params,
                a.caller() == null ? null : a.caller().identity());
    }

    /** @return the query parameters for the session (without the credential and the stream's own), or null */
    private static Map<String, String> params(HttpServletRequest req) {
        try {
            Map<String, String> params = Handshakes.params(req);
            params.remove("session");
            return params;
        } catch (OpenRefusedException e) {
            return null;
        }
    }

    /** A request body and where its frames are. */
    private record Frames(byte[] body, FrameSpans spans) {}

    /** @return the body's frames, or null when the body was refused (not a frame or an array of them: 400) */
    private Frames frames(byte[] body, HttpServletResponse resp) throws IOException {
        if (!Utf8.isValid(body, 0, body.length)) {
            refuse(resp, 400, "Request body is not valid UTF-8");
            return null;
        }
        try {
            return new Frames(body, codec.splitFrames(body, MAX_FRAMES));
        } catch (IllegalArgumentException e) {
            refuse(resp, 400, e.getMessage());
            return null;
        }
    }

    private String newStreamId() {
        byte[] b = new byte[18];
        random.nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Answers with a status and a one-line plain-text reason, counted like a refused handshake. */
    private void refuse(HttpServletResponse resp, int status, String why) throws IOException {
        Handshakes.refuse(resp, keepAlive.counters(), status, why);
    }

    /** Ends every open stream (the component is going away). */
    @org.osgi.service.component.annotations.Deactivate
    void deactivate() {
        // at once, not through the writers, which stop with the endpoints: the responses end, the sessions close
        streams.values().forEach(EventStream::end);
        posts.forEach(p -> p.abort("the gateway is stopping"));
    }
}
