package io.pulsarws.websocket.internal.fallback;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameSpans;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.SessionManager;
import io.pulsarws.websocket.internal.edge.Drainable;
import io.pulsarws.websocket.internal.edge.Handshakes;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.Query;
import io.pulsarws.websocket.internal.edge.Utf8;
import io.pulsarws.websocket.internal.edge.WebSocketSettings;
import io.pulsarws.websocket.internal.fallback.Admissions.Admitted;
import io.pulsarws.websocket.internal.security.SecuritySettings;
import io.pulsarws.websocket.transport.HttpExchange;
import io.pulsarws.websocket.transport.HttpRoute;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
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
@Component(
        service = HttpRoute.class,
        immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {
            HttpRoute.NAME + "=pulsar-websocket-http",
            HttpRoute.PATTERN + "=/http/*",
            HttpRoute.ASYNC + ":Boolean=true"
        })
public class HttpFallback implements HttpRoute {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFallback.class);
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
    private final Map<String, EventStream> streams = new ConcurrentHashMap<>();

    /** The producer POSTs in progress; bounded by the session limits likewise (each holds a permit). */
    private final java.util.Set<ProducerPost> posts = ConcurrentHashMap.newKeySet();

    private final FrameCodec codec = new FrameCodec();
    private final StreamIds streamIds = new StreamIds();
    private final Admissions admissions = new Admissions(() -> settings, () -> keepAlive, () -> security);

    @Override
    public void serve(HttpExchange x) throws IOException {
        if (!settings.httpEnabled()) {
            admissions.refuse(x, 404, "The HTTP fallback is off on this gateway (httpEnabled=false)");
            return;
        }
        try {
            security.checkOrigin(x);
        } catch (OpenRefusedException e) {
            admissions.refuse(x, e.status(), e.getMessage());
            return;
        }
        String origin = x.header("Origin");
        if (origin != null) {
            // allowed (checked above): the page may read the answer; credentials travel as a token, never cookies
            x.header("Access-Control-Allow-Origin", origin);
            x.header("Vary", "Origin");
        }
        EndpointPath path;
        try {
            String p = x.path();
            path = EndpointPath.parse("/ws" + p.substring("/http".length()));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            admissions.refuse(x, 400, "Invalid request path: " + e.getMessage());
            return;
        }
        switch (x.method()) {
            case "OPTIONS" -> preflight(x);
            case "GET" -> {
                if (path.kind() == EndpointPath.Kind.PRODUCER) {
                    notAllowed(x, "POST, OPTIONS");
                } else {
                    stream(x, path);
                }
            }
            case "POST" -> {
                if (path.kind() == EndpointPath.Kind.PRODUCER) {
                    produce(x, path);
                } else {
                    commands(x);
                }
            }
            default ->
                notAllowed(x, path.kind() == EndpointPath.Kind.PRODUCER ? "POST, OPTIONS" : "GET, POST, OPTIONS");
        }
    }

    private static void preflight(HttpExchange x) {
        x.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        x.header("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID, traceparent, tracestate");
        x.header("Access-Control-Max-Age", "600");
        x.status(204);
    }

    private void notAllowed(HttpExchange x, String allow) throws IOException {
        x.header("Allow", allow);
        admissions.refuse(x, 405, "Method not allowed here; allowed: " + allow);
    }

    /** {@code GET}: opens a consumer or reader and streams its messages. */
    private void stream(HttpExchange x, EndpointPath path) throws IOException {
        Map<String, String> params = params(x);
        if (params == null) {
            admissions.refuse(x, 400, "Invalid query string");
            return;
        }
        boolean autoAck = "true".equals(params.remove("autoAck"));
        String lastEventId = x.header("Last-Event-ID");
        if (lastEventId != null && path.kind() == EndpointPath.Kind.READER) {
            params.put("messageId", lastEventId); // the reader starts after it; checked like any messageId
        }
        admissions.admit(x, true, false, (a, body) -> {
            GatewaySession session = open(x, path, params, a);
            try {
                startStream(x, session, a, autoAck);
                return true;
            } catch (IOException | RuntimeException e) {
                session.close();
                throw e;
            }
        });
    }

    private void startStream(HttpExchange x, GatewaySession session, Admitted a, boolean autoAck) throws IOException {
        String id = streamIds.next();
        HttpExchange.Async async = x.startAsync();
        async.timeout(0); // the stream lasts as long as the session; its keep-alive comments keep proxies open
        x.status(200);
        x.contentType("text/event-stream;charset=utf-8");
        x.header("Cache-Control", "no-store");
        x.header("X-Accel-Buffering", "no"); // a proxy that buffers would hold every event back
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
    private void commands(HttpExchange x) throws IOException {
        String id;
        try {
            id = Query.of(x).get("session");
        } catch (IllegalArgumentException e) {
            admissions.refuse(x, 400, "Invalid query string");
            return;
        }
        if (id == null) {
            admissions.refuse(
                    x, 400, "session=<id> is required: commands go to the event stream that delivered the messages");
            return;
        }
        admissions.admit(x, false, true, (a, body) -> {
            EventStream s = streams.get(id);
            if (s == null && streamIds.anotherNodes(id)) {
                // not one of this node's: the balancer sent the command to another node than its stream's
                throw new OpenRefusedException(
                        421,
                        "The event stream is not on this gateway node: send the commands of a stream to the node "
                                + "that serves it (a balancer needs stickiness for /http/, docs/operations.md), or "
                                + "the node restarted since");
            }
            if (s == null) {
                throw new OpenRefusedException(404, "No such event stream (it ended, or the id is wrong)");
            }
            if (s.role() != null && !s.role().equals(a.role())) {
                throw new OpenRefusedException(403, "The event stream belongs to another client");
            }
            if (!s.writable()) {
                // a WebSocket is not read while what is queued for it is over its budget; nor are these
                x.header("Retry-After", "1");
                throw new OpenRefusedException(
                        503, "The event stream is not being read (over its outbound budget); retry when it is");
            }
            Frames f = frames(body, x);
            if (f == null) {
                return false;
            }
            for (int i = 0; i < f.spans().count(); i++) {
                if (!s.command(f.body(), f.spans().offsets()[i], f.spans().lengths()[i])) {
                    throw new OpenRefusedException(404, "The event stream ended; " + i + " command(s) applied");
                }
            }
            x.status(204);
            return false;
        });
    }

    /** {@code POST} on a producer path: sends the frames, answers with their results. */
    private void produce(HttpExchange x, EndpointPath path) throws IOException {
        Map<String, String> params = params(x);
        if (params == null) {
            admissions.refuse(x, 400, "Invalid query string");
            return;
        }
        admissions.admit(x, true, true, (a, body) -> {
            // split before the producer is opened: a body that is refused costs no producer
            Frames f = frames(body, x);
            if (f == null) {
                return false;
            }
            // a POST none of whose frames names a sequence id may take the producer a finished POST left idle
            GatewaySession session = Handshakes.open(
                    sessions,
                    x,
                    path,
                    params,
                    a.caller() == null ? null : a.caller().identity(),
                    !mentions(f.body(), SEQUENCE_ID));
            try {
                HttpExchange.Async async = a.async();
                ProducerPost[] post = new ProducerPost[1];
                // a drain leaves a POST alone: it ends by itself once answered, within PRODUCE_TIMEOUT_MILLIS (an
                // object of its own: a lambda capturing nothing would be one object for every POST)
                Drainable inProgress = new Drainable() {
                    @Override
                    public void drain(long finishMillis) {}
                };
                keepAlive.connections().opened(inProgress);
                post[0] = new ProducerPost(
                        session, f.body(), f.spans(), x, async, codec, PRODUCE_TIMEOUT_MILLIS, keepAlive, () -> {
                            posts.remove(post[0]);
                            keepAlive.connections().closed(inProgress);
                            a.permit().release();
                        });
                posts.add(post[0]);
                try {
                    post[0].start();
                } catch (RuntimeException e) {
                    keepAlive.connections().closed(inProgress);
                    throw e;
                }
                return true;
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
        });
    }

    /** Opens the request's session with the session manager. */
    private GatewaySession open(HttpExchange x, EndpointPath path, Map<String, String> params, Admitted a)
            throws OpenRefusedException {
        return Handshakes.open(
                sessions,
                x,
                path,
                params,
                a.caller() == null ? null : a.caller().identity());
    }

    /** @return the query parameters for the session (without the credential and the stream's own), or null */
    private static Map<String, String> params(HttpExchange x) {
        try {
            Map<String, String> params = Handshakes.params(x);
            params.remove("session");
            return params;
        } catch (OpenRefusedException e) {
            return null;
        }
    }

    /** The field of a send frame that gives the message's sequence id, as it appears in a body. */
    private static final byte[] SEQUENCE_ID = "sequenceId".getBytes(StandardCharsets.US_ASCII);

    /**
     * @return true if {@code what} occurs anywhere in {@code body}: a field name written with escapes is not seen,
     *     which can only make the request's own producer a reused one (the pool is per role)
     */
    static boolean mentions(byte[] body, byte[] what) {
        outer:
        for (int i = 0; i <= body.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (body[i + j] != what[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** A request body and where its frames are. */
    private record Frames(byte[] body, FrameSpans spans) {}

    /** @return the body's frames, or null when the body was refused (not a frame or an array of them: 400) */
    private Frames frames(byte[] body, HttpExchange x) throws IOException {
        if (!Utf8.isValid(body, 0, body.length)) {
            admissions.refuse(x, 400, "Request body is not valid UTF-8");
            return null;
        }
        try {
            return new Frames(body, codec.splitFrames(body, MAX_FRAMES));
        } catch (IllegalArgumentException e) {
            admissions.refuse(x, 400, e.getMessage());
            return null;
        }
    }

    /** Ends every open stream (the component is going away). */
    @org.osgi.service.component.annotations.Deactivate
    void deactivate() {
        // at once, not through the writers, which stop with the endpoints: the responses end, the sessions close
        streams.values().forEach(EventStream::end);
        posts.forEach(p -> p.abort("the gateway is stopping"));
    }
}
