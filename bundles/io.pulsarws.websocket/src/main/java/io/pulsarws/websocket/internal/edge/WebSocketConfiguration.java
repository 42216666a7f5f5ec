package io.pulsarws.websocket.internal.edge;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of PID {@code io.pulsarws.websocket}: limits of each WebSocket connection, applied live. */
@ObjectClassDefinition(
        name = "Pulsar WebSocket endpoints",
        description = "Limits of the WebSocket connections. Changes apply to connections opened afterwards; "
                + "nothing is restarted.")
@interface WebSocketConfiguration {

    @AttributeDefinition(
            name = "Maximum text frame size (bytes)",
            description = "A larger text frame closes the session with 1009 (message too big).")
    int maxTextFrameSize() default 1_048_576;

    @AttributeDefinition(
            name = "Idle timeout (ms)",
            description = "A session with no traffic in either direction for this long is closed (1001).")
    long idleTimeoutMillis() default 300_000;

    @AttributeDefinition(
            name = "Keep-alive ping interval (s)",
            description = "When > 0, the gateway pings every session this often, which keeps sessions alive "
                    + "through the idle timeout and through proxies. 0 turns it off (as in Pulsar's service).")
    int pingIntervalSeconds() default 0;

    @AttributeDefinition(
            name = "Maximum pending handshakes",
            description = "WebSocket handshakes waiting at once for their producer, consumer or reader to be "
                    + "created (for up to operationTimeoutMillis). They wait without a thread, each holding its "
                    + "request (a few KiB); more are refused with 503.")
    int maxPendingHandshakes() default 4096;

    @AttributeDefinition(
            name = "Maximum pending HTTP opens",
            description = "HTTP fallback requests (event streams, producer POSTs) waiting at once for their "
                    + "producer or consumer to be created; each holds an HTTP thread meanwhile, so keep it well "
                    + "below the container's thread pool. More are refused with 503.")
    int maxPendingHttpOpens() default 64;

    @AttributeDefinition(
            name = "Stats interval (s)",
            description = "Period over which /admin/v2/proxy-stats/metrics computes its per-namespace rates "
                    + "(Pulsar's proxy uses 60 s). /metrics (Prometheus) always shows live totals.")
    int statsIntervalSeconds() default 60;

    @AttributeDefinition(
            name = "Maximum sessions",
            description = "Open sessions (and handshakes in progress) this node accepts; more are refused with 503. "
                    + "0: no limit.")
    int maxSessions() default 50_000;

    @AttributeDefinition(
            name = "Outbound budget per session (bytes)",
            description = "Frames queued for one client and not yet written to its socket. Over it, the session "
                    + "sends the client no new work (deliveries) and stops reading its frames until it has read "
                    + "half of it; a single larger frame still goes out.")
    int maxQueuedBytesPerSession() default 1_048_576;

    @AttributeDefinition(
            name = "Outbound budget of the node (bytes)",
            description = "Frames queued for all clients together. Over it, every session with more than a "
                    + "sixteenth of its own budget queued waits as above. 0: a quarter of the JVM's maximum heap.")
    long maxQueuedBytes() default 0;

    @AttributeDefinition(
            name = "Slow client timeout (ms)",
            description = "A session whose client stays over its outbound budget this long (it does not read) is "
                    + "closed with 1008; if the close cannot be written either, the connection is dropped 5 s later.")
    long slowClientTimeoutMillis() default 30_000;

    @AttributeDefinition(
            name = "Maximum sessions per client address",
            description = "Open sessions one client IP address may hold; more are refused with 429. 0: no limit "
                    + "(the default, since clients behind one reverse proxy share its address).")
    int maxSessionsPerAddress() default 0;

    @AttributeDefinition(
            name = "Maximum sessions per principal",
            description = "Open sessions (WebSockets and HTTP-fallback streams and posts) one authenticated role may "
                    + "hold on this node, wherever it connects from; more are refused with 429. Clients accepted as "
                    + "the anonymous role are counted per address instead. 0: no limit.")
    int maxSessionsPerPrincipal() default 1_000;

    @AttributeDefinition(
            name = "Web console",
            description = "Serve the web console at /pulsar-websocket/console/ (a page that produces and consumes "
                    + "through this gateway's public API, with the same authentication and Origin rules as every "
                    + "client). false answers 404 at once, without touching open sessions.")
    boolean consoleEnabled() default true;

    @AttributeDefinition(
            name = "HTTP fallback",
            description = "Serve the HTTP fallback at /http/... (Server-Sent Events to consume, POST to produce and to "
                    + "acknowledge) for clients whose network blocks WebSockets, with the same authentication, Origin "
                    + "rules and limits. false answers 404 at once; event streams already open run on until they end.")
    boolean httpEnabled() default true;

    @AttributeDefinition(
            name = "permessage-deflate",
            description = "Accept the permessage-deflate extension (RFC 7692) when a client offers it (every browser "
                    + "does): frames are compressed both ways, without context takeover on either side, and an "
                    + "idle connection holds no compressor. Measured with 1 KiB JSON payloads: half the bytes on "
                    + "the wire for three times the CPU per message (docs/benchmarks.md), hence off by default. "
                    + "Applies to connections opened afterwards; the assembly's Jetty 12 transport only (stock "
                    + "Karaf's Jetty 9.4 always declines it).")
    boolean permessageDeflate() default false;

    @AttributeDefinition(
            name = "Request body timeout (ms)",
            description = "How long the HTTP fallback waits for the whole body of a POST; a body still incomplete "
                    + "then is answered 408 and the connection closed. Bodies are read without holding a thread or a "
                    + "pending-handshake place.")
    long requestBodyTimeoutMillis() default 10_000;

    @AttributeDefinition(
            name = "Bytes being received per principal",
            description = "Buffers one principal (an authenticated role; a client address without authentication) "
                    + "may hold for text messages and request bodies still arriving: a message sent in fragments, or "
                    + "whose bytes trickle in. The connection whose message would go beyond it is closed with 1008 "
                    + "(a POST is answered 429). 0: no limit.")
    long maxReceivingBytesPerPrincipal() default 16_777_216;

    @AttributeDefinition(
            name = "Bytes being received on the node",
            description = "The same for all clients together; beyond it the connection is closed with 1013 (try "
                    + "again later; a POST is answered 503). 0: an eighth of the JVM's maximum heap.")
    long maxReceivingBytes() default 0;

    @AttributeDefinition(
            name = "Drain period (s)",
            description = "When the node drains (pulsar-ws:drain, the io.pulsarws:type=Drain MBean, or the node "
                    + "stopping): /ready answers 503 and new clients are refused with 503 at once, and the open "
                    + "connections are closed with 1001 spread evenly over this many seconds, each once it owes its "
                    + "client nothing (at most 10 s more). 0: all at once.")
    int drainPeriodSeconds() default 10;
}
