package io.pulsarws.websocket.internal.edge;

import io.pulsarws.session.NamespaceCounters;
import io.pulsarws.session.SessionManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Per-namespace rates over the last {@code statsIntervalSeconds}, for Pulsar's {@code /admin/v2/proxy-stats/metrics}:
 * every interval the totals are read and the differences to the previous reading divided by the time between them.
 */
@Component(service = NamespaceRates.class, immediate = true)
public class NamespaceRates {

    /**
     * One namespace's rates (per second) and publish latency counts over the last interval.
     *
     * @param namespace the namespace
     * @param values Pulsar's metric names to values
     */
    public record Rates(String namespace, Map<String, Double> values) {}

    private static final String[] LATENCY_NAMES = {
        "ns_msg_publish_latency_500",
        "ns_msg_publish_latency_1000",
        "ns_msg_publish_latency_5000",
        "ns_msg_publish_latency_10000",
        "ns_msg_publish_latency_20000",
        "ns_msg_publish_latency_50000",
        "ns_msg_publish_latency_100000",
        "ns_msg_publish_latency_200000",
        "ns_msg_publish_latency_1000000",
        "ns_msg_publish_latency_1000000_higher"
    };

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SessionManager sessions;

    private final WebSocketSettings settings;
    private final ScheduledFuture<?> ticker;
    /** Only the timer thread writes these two. */
    private Map<String, NamespaceCounters> previous = Map.of();

    private long previousAt = System.nanoTime();
    private volatile List<Rates> latest = List.of();

    @Activate
    public NamespaceRates(@Reference KeepAlive timer, @Reference WebSocketSettings settings) {
        this.settings = settings;
        this.ticker = timer.every(1, this::tick);
    }

    @Deactivate
    void deactivate() {
        ticker.cancel(false);
    }

    /** @return the rates of the last complete interval (empty before the first one) */
    public List<Rates> latest() {
        return latest;
    }

    private void tick() {
        long now = System.nanoTime();
        double seconds = (now - previousAt) / 1e9;
        SessionManager manager = sessions;
        if (manager == null || seconds < settings.statsIntervalSeconds()) {
            return;
        }
        Map<String, NamespaceCounters> current = new HashMap<>();
        List<Rates> rates = new ArrayList<>();
        for (NamespaceCounters c : manager.counters()) {
            current.put(c.namespace(), c);
            NamespaceCounters p = previous.get(c.namespace());
            if (p != null && c.messagesPublished() < p.messagesPublished()) {
                p = null; // the counters restarted with a new Pulsar client
            }
            Map<String, Double> v = new HashMap<>();
            v.put("ns_msg_publish_rate", rate(c.messagesPublished(), p == null ? 0 : p.messagesPublished(), seconds));
            v.put("ns_byte_publish_rate", rate(c.bytesPublished(), p == null ? 0 : p.bytesPublished(), seconds));
            v.put("ns_msg_failure_rate", rate(c.publishFailures(), p == null ? 0 : p.publishFailures(), seconds));
            v.put("ns_msg_deliver_rate", rate(c.messagesDelivered(), p == null ? 0 : p.messagesDelivered(), seconds));
            v.put("ns_byte_deliver_rate", rate(c.bytesDelivered(), p == null ? 0 : p.bytesDelivered(), seconds));
            v.put("ns_msg_ack_rate", rate(c.acks(), p == null ? 0 : p.acks(), seconds));
            for (int i = 0; i < LATENCY_NAMES.length; i++) {
                long before = p == null ? 0 : p.publishLatencyBuckets()[i];
                v.put(LATENCY_NAMES[i], (double) (c.publishLatencyBuckets()[i] - before));
            }
            rates.add(new Rates(c.namespace(), v));
        }
        previous = current;
        previousAt = now;
        latest = List.copyOf(rates);
    }

    private static double rate(long now, long before, double seconds) {
        return Math.max(0, now - before) / seconds;
    }
}
