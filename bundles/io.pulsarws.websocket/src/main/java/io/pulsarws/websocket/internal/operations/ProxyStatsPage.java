package io.pulsarws.websocket.internal.operations;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.SessionInfo;
import io.pulsarws.session.SessionManager;
import io.pulsarws.websocket.internal.edge.NamespaceRates;
import io.pulsarws.websocket.internal.security.SecuritySettings;
import io.pulsarws.websocket.transport.HttpExchange;
import io.pulsarws.websocket.transport.HttpRoute;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The statistics endpoints of Pulsar's stand-alone WebSocket proxy: {@code /admin/v2/proxy-stats/stats} (all
 * topics), {@code /admin/v2/proxy-stats/{domain}/{tenant}/{namespace}/{topic}/stats}, their v1 forms under
 * {@code /admin/proxy-stats/}, {@code /admin/v2/proxy-stats/metrics} (per-namespace rates over the last
 * {@code statsIntervalSeconds}, and a JVM entry), and {@code /status.html} (200 when the gateway can open
 * sessions, else 503).
 * Unlike Pulsar's, readers are counted, and the numbers are read live from the sessions.
 */
@Component(
        service = HttpRoute.class,
        immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {
            HttpRoute.NAME + "=pulsar-websocket-proxy-stats",
            HttpRoute.PATTERN + "=/admin/*",
            HttpRoute.PATTERN + "=/status.html"
        })
public class ProxyStatsPage implements HttpRoute {
    private static final String V2 = "/v2/proxy-stats/";
    private static final String V1 = "/proxy-stats/";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SessionManager sessions;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile SecuritySettings security;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile NamespaceRates rates;

    private final JsonFactory json = new JsonFactory();

    @Override
    public void serve(HttpExchange x) throws IOException {
        if (!Plain.getOnly(x)) {
            return;
        }
        SessionManager manager = sessions;
        if ("/status.html".equals(x.path())) {
            text(x, manager != null ? 200 : 503, manager != null ? "OK" : "Not ready");
            return;
        }
        try {
            security.checkSuperUser(x, false);
        } catch (io.pulsarws.session.OpenRefusedException e) {
            text(x, e.status(), e.getMessage());
            return;
        }
        String path = x.path().startsWith("/admin/") ? x.path().substring("/admin".length()) : "";
        String rest;
        boolean v2;
        if (path.startsWith(V2)) {
            rest = path.substring(V2.length());
            v2 = true;
        } else if (path.startsWith(V1)) {
            rest = path.substring(V1.length());
            v2 = false;
        } else {
            text(x, 404, "Not found");
            return;
        }
        if (manager == null) {
            text(x, 503, "Gateway has no Pulsar client (not configured or restarting)");
            return;
        }
        Map<String, List<SessionInfo>> byTopic = manager.sessions().stream()
                .collect(Collectors.groupingBy(SessionInfo::topic, TreeMap::new, Collectors.toList()));
        if ("stats".equals(rest)) {
            write(x, g -> {
                g.writeStartObject();
                for (Map.Entry<String, List<SessionInfo>> e : byTopic.entrySet()) {
                    g.writeFieldName(e.getKey());
                    topicStats(g, e.getValue());
                }
                g.writeEndObject();
            });
            return;
        }
        if ("metrics".equals(rest)) {
            List<NamespaceRates.Rates> latest = rates.latest();
            write(x, g -> {
                g.writeStartArray();
                for (NamespaceRates.Rates r : latest) {
                    g.writeStartObject();
                    g.writeObjectFieldStart("metrics");
                    for (Map.Entry<String, Double> v : new TreeMap<>(r.values()).entrySet()) {
                        g.writeNumberField(v.getKey(), v.getValue());
                    }
                    g.writeEndObject();
                    g.writeObjectFieldStart("dimensions");
                    g.writeStringField("namespace", r.namespace());
                    g.writeEndObject();
                    g.writeEndObject();
                }
                jvm(g);
                g.writeEndArray();
            });
            return;
        }
        if (!rest.endsWith("/stats")) {
            text(x, 404, "Not found");
            return;
        }
        String topic;
        try {
            // reuse the WebSocket path grammar: a producer path names exactly one topic
            String raw = rest.substring(0, rest.length() - "/stats".length());
            topic = EndpointPath.parse((v2 ? "/ws/v2/producer/" : "/ws/producer/persistent/") + raw)
                    .topic();
        } catch (IllegalArgumentException e) {
            text(x, 400, e.getMessage());
            return;
        }
        List<SessionInfo> topicSessions = byTopic.get(topic);
        if (topicSessions == null) {
            text(x, 404, "Topic does not exist");
            return;
        }
        write(x, g -> topicStats(g, topicSessions));
    }

    /** The JVM entry Pulsar's proxy adds to its metrics. */
    private static void jvm(JsonGenerator g) throws IOException {
        Runtime rt = Runtime.getRuntime();
        g.writeStartObject();
        g.writeObjectFieldStart("metrics");
        g.writeNumberField("jvm_heap_used", rt.totalMemory() - rt.freeMemory());
        g.writeNumberField("jvm_max_memory", rt.maxMemory());
        g.writeNumberField("jvm_thread_cnt", Thread.activeCount());
        g.writeEndObject();
        g.writeObjectFieldStart("dimensions");
        g.writeStringField("metric", "jvm");
        g.writeEndObject();
        g.writeEndObject();
    }

    /** Pulsar's {@code ProxyTopicStat}: producers and consumers (readers included) of one topic. */
    private static void topicStats(JsonGenerator g, List<SessionInfo> sessions) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("producerStats");
        for (SessionInfo s : sessions) {
            if (EndpointPath.Kind.PRODUCER.label().equals(s.kind())) {
                g.writeStartObject();
                g.writeStringField("remoteConnection", "/" + s.remoteAddress());
                g.writeNumberField("numberOfMsgPublished", s.messages());
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeArrayFieldStart("consumerStats");
        for (SessionInfo s : sessions) {
            if (!EndpointPath.Kind.PRODUCER.label().equals(s.kind())) {
                g.writeStartObject();
                g.writeStringField("remoteConnection", "/" + s.remoteAddress());
                if (s.subscription() != null) {
                    g.writeStringField("subscriptionName", s.subscription());
                }
                g.writeStringField("subscriptionType", s.subscriptionType());
                if (s.subscriptionMode() != null) {
                    g.writeStringField("subscriptionMode", s.subscriptionMode());
                }
                g.writeNumberField("numberOfMsgDelivered", s.messages());
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void write(HttpExchange x, Body body) throws IOException {
        x.status(200);
        x.contentType("application/json");
        try (JsonGenerator g = json.createGenerator(x.body())) {
            body.write(g);
        }
    }

    private static void text(HttpExchange x, int status, String message) throws IOException {
        x.status(status);
        x.contentType("text/plain;charset=utf-8");
        x.body().write((message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }
}
