package io.pulsarws.websocket.internal.operations;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.NamespaceCounters;
import io.pulsarws.session.SessionInfo;
import io.pulsarws.session.SessionManager;
import io.pulsarws.websocket.internal.edge.EdgeCounters;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.Outbound;
import io.pulsarws.websocket.internal.security.SecuritySettings;
import io.pulsarws.websocket.transport.HttpExchange;
import io.pulsarws.websocket.transport.HttpRoute;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code /metrics} in Prometheus' text format: open sessions by kind, and per namespace the messages and bytes
 * published and delivered, publish failures, acks, nacks and a publish latency histogram. Totals since the
 * gateway's Pulsar client started; readers count as deliveries too.
 */
@Component(
        service = HttpRoute.class,
        immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {HttpRoute.NAME + "=pulsar-websocket-metrics", HttpRoute.PATTERN + "=/metrics"})
public class MetricsPage implements HttpRoute {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SessionManager sessions;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile SecuritySettings security;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile KeepAlive keepAlive;

    @Override
    public void serve(HttpExchange x) throws IOException {
        if (!Plain.getOnly(x)) {
            return;
        }
        try {
            security.checkSuperUser(x, true);
        } catch (io.pulsarws.session.OpenRefusedException e) {
            Plain.answer(x, e.status(), e.getMessage());
            return;
        }
        SessionManager manager = sessions;
        List<SessionInfo> open = manager == null ? List.of() : manager.sessions();
        List<NamespaceCounters> counters = manager == null ? List.of() : manager.counters();
        x.status(200);
        x.contentType("text/plain; version=0.0.4; charset=utf-8");
        PrintWriter out = lineFeeds(
                new PrintWriter(new java.io.OutputStreamWriter(x.body(), java.nio.charset.StandardCharsets.UTF_8)));
        out.println("# HELP pulsarws_up Whether the gateway has a Pulsar client and accepts sessions.");
        out.println("# TYPE pulsarws_up gauge");
        out.println("pulsarws_up " + (manager == null ? 0 : 1));
        Map<String, Integer> byKind = new TreeMap<>();
        for (EndpointPath.Kind k : EndpointPath.Kind.values()) {
            byKind.put(k.label(), 0);
        }
        open.forEach(s -> byKind.merge(s.kind(), 1, Integer::sum));
        out.println("# HELP pulsarws_sessions Open WebSocket sessions by kind.");
        out.println("# TYPE pulsarws_sessions gauge");
        byKind.forEach((kind, n) -> out.println("pulsarws_sessions{kind=\"" + kind + "\"} " + n));
        Outbound outbound = keepAlive.outbound();
        out.println("# HELP pulsarws_outbound_queued_bytes Bytes of frames queued for clients, not yet written.");
        out.println("# TYPE pulsarws_outbound_queued_bytes gauge");
        out.println("pulsarws_outbound_queued_bytes " + outbound.queued());
        out.println("# HELP pulsarws_receiving_bytes Bytes of buffer held for text messages and request bodies still "
                + "being received.");
        out.println("# TYPE pulsarws_receiving_bytes gauge");
        out.println("pulsarws_receiving_bytes " + keepAlive.receiving().held());
        out.println("# HELP pulsarws_receiving_refused_total Messages and request bodies refused because their "
                + "principal (maxReceivingBytesPerPrincipal) or the node (maxReceivingBytes) held its bound.");
        out.println("# TYPE pulsarws_receiving_refused_total counter");
        out.println("pulsarws_receiving_refused_total{bound=\"principal\"} "
                + keepAlive.receiving().refusedAtPrincipal());
        out.println("pulsarws_receiving_refused_total{bound=\"node\"} "
                + keepAlive.receiving().refusedAtNode());
        out.println("# HELP pulsarws_slow_clients WebSockets and event streams over their outbound budget (not read, "
                + "no new work).");
        out.println("# TYPE pulsarws_slow_clients gauge");
        out.println("pulsarws_slow_clients " + outbound.congestedCount());
        io.pulsarws.websocket.internal.edge.Connections connections = keepAlive.connections();
        out.println("# HELP pulsarws_connections Open connections: WebSockets, event streams and producer POSTs in "
                + "progress.");
        out.println("# TYPE pulsarws_connections gauge");
        out.println("pulsarws_connections " + connections.size());
        out.println("# HELP pulsarws_draining Whether the node drains: new clients refused, open connections being "
                + "closed (pulsar-ws:drain).");
        out.println("# TYPE pulsarws_draining gauge");
        out.println("pulsarws_draining " + (connections.acceptingNew() ? 0 : 1));
        out.println("# HELP pulsarws_handshakes_pending WebSocket handshakes waiting for their producer, consumer "
                + "or reader (maxPendingHandshakes; no thread each).");
        out.println("# TYPE pulsarws_handshakes_pending gauge");
        out.println(
                "pulsarws_handshakes_pending " + keepAlive.pendingHandshakes().get());
        out.println("# HELP pulsarws_http_opens_pending HTTP fallback requests waiting for their producer or consumer "
                + "(maxPendingHttpOpens; a thread each).");
        out.println("# TYPE pulsarws_http_opens_pending gauge");
        out.println(
                "pulsarws_http_opens_pending " + keepAlive.pendingHttpOpens().get());
        out.println("# HELP pulsarws_drained_connections_total Connections closed by drains since the endpoints "
                + "started.");
        out.println("# TYPE pulsarws_drained_connections_total counter");
        out.println("pulsarws_drained_connections_total " + connections.drained());
        EdgeCounters edge = keepAlive.counters();
        out.println("# HELP pulsarws_handshakes_refused_total Handshakes answered with an HTTP status instead of an "
                + "upgrade, by status.");
        out.println("# TYPE pulsarws_handshakes_refused_total counter");
        edge.refusals()
                .forEach((status, n) ->
                        out.println("pulsarws_handshakes_refused_total{status=\"" + status + "\"} " + n));
        out.println("# HELP pulsarws_sessions_closed_total WebSocket sessions ended, by close code (whichever side "
                + "closed).");
        out.println("# TYPE pulsarws_sessions_closed_total counter");
        edge.closes().forEach((code, n) -> out.println("pulsarws_sessions_closed_total{code=\"" + code + "\"} " + n));
        out.println("# HELP pulsarws_slow_clients_ended_total WebSockets and event streams ended because their "
                + "client had not read for slowClientTimeoutMillis.");
        out.println("# TYPE pulsarws_slow_clients_ended_total counter");
        out.println("pulsarws_slow_clients_ended_total " + edge.slowClientsEnded());
        counter(
                out,
                "pulsarws_messages_published_total",
                "Messages the broker stored for producer sessions.",
                counters,
                NamespaceCounters::messagesPublished);
        counter(
                out,
                "pulsarws_bytes_published_total",
                "Payload bytes of those messages.",
                counters,
                NamespaceCounters::bytesPublished);
        counter(
                out,
                "pulsarws_publish_failures_total",
                "Sends answered with send-error:8.",
                counters,
                NamespaceCounters::publishFailures);
        counter(
                out,
                "pulsarws_messages_delivered_total",
                "Messages pushed to consumer and reader sessions.",
                counters,
                NamespaceCounters::messagesDelivered);
        counter(
                out,
                "pulsarws_bytes_delivered_total",
                "Payload bytes of those messages.",
                counters,
                NamespaceCounters::bytesDelivered);
        counter(
                out,
                "pulsarws_acks_total",
                "Acknowledgements received from clients.",
                counters,
                NamespaceCounters::acks);
        counter(
                out,
                "pulsarws_nacks_total",
                "Negative acknowledgements received from clients.",
                counters,
                NamespaceCounters::nacks);
        out.println("# HELP pulsarws_publish_latency_seconds Time from a send frame to the broker's confirmation.");
        out.println("# TYPE pulsarws_publish_latency_seconds histogram");
        long[] bounds = NamespaceCounters.PUBLISH_LATENCY_BOUNDS_MICROS;
        for (NamespaceCounters c : counters) {
            String ns = "namespace=\"" + escape(c.namespace()) + "\"";
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += c.publishLatencyBuckets()[i];
                out.println("pulsarws_publish_latency_seconds_bucket{" + ns + ",le=\"" + (bounds[i] / 1e6) + "\"} "
                        + cumulative);
            }
            cumulative += c.publishLatencyBuckets()[bounds.length];
            out.println("pulsarws_publish_latency_seconds_bucket{" + ns + ",le=\"+Inf\"} " + cumulative);
            out.println("pulsarws_publish_latency_seconds_sum{" + ns + "} " + (c.publishLatencySumMicros() / 1e6));
            out.println("pulsarws_publish_latency_seconds_count{" + ns + "} " + cumulative);
        }
        out.flush();
    }

    private static void counter(
            PrintWriter out,
            String name,
            String help,
            List<NamespaceCounters> counters,
            java.util.function.ToLongFunction<NamespaceCounters> value) {
        out.println("# HELP " + name + " " + help);
        out.println("# TYPE " + name + " counter");
        for (NamespaceCounters c : counters) {
            out.println(name + "{namespace=\"" + escape(c.namespace()) + "\"} " + value.applyAsLong(c));
        }
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /**
     * @return a writer over {@code w} whose lines end with {@code \n} on every platform: the Prometheus text format
     *     wants LF, and {@code PrintWriter.println} writes the platform's separator (CRLF on Windows)
     */
    static PrintWriter lineFeeds(java.io.Writer w) {
        return new PrintWriter(w, false) {
            @Override
            public void println() {
                write('\n');
            }
        };
    }
}
