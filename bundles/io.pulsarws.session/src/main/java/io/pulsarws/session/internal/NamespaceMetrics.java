package io.pulsarws.session.internal;

import io.pulsarws.session.NamespaceCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.common.naming.TopicName;

/** Per-namespace counters of one gateway: cheap to update on every message, read by the metrics endpoints. */
final class NamespaceMetrics {
    private final ConcurrentMap<String, Counters> byNamespace = new ConcurrentHashMap<>();
    /** Told of each namespace's counters when they are created (the MBeans), or null. */
    private volatile java.util.function.BiConsumer<String, Counters> onAdded;

    /** @param listener told of every namespace's counters, those existing now and those created later */
    void onAdded(java.util.function.BiConsumer<String, Counters> listener) {
        this.onAdded = listener;
        if (listener != null) {
            byNamespace.forEach(listener);
        }
    }

    /** The counters of one namespace; every field is updated without locks. */
    static final class Counters {
        final LongAdder published = new LongAdder();
        final LongAdder bytesPublished = new LongAdder();
        final LongAdder publishFailures = new LongAdder();
        final LongAdder delivered = new LongAdder();
        final LongAdder bytesDelivered = new LongAdder();
        final LongAdder acks = new LongAdder();
        final LongAdder nacks = new LongAdder();
        final LongAdder latencySumMicros = new LongAdder();
        final LongAdder[] latency = new LongAdder[NamespaceCounters.PUBLISH_LATENCY_BOUNDS_MICROS.length + 1];

        Counters() {
            for (int i = 0; i < latency.length; i++) {
                latency[i] = new LongAdder();
            }
        }

        void published(int bytes, long micros) {
            published.increment();
            bytesPublished.add(bytes);
            long[] bounds = NamespaceCounters.PUBLISH_LATENCY_BOUNDS_MICROS;
            int i = 0;
            while (i < bounds.length && micros > bounds[i]) {
                i++;
            }
            latency[i].increment();
            latencySumMicros.add(micros);
        }

        void delivered(int bytes) {
            delivered.increment();
            bytesDelivered.add(bytes);
        }
    }

    /** @return the counters of the namespace a topic (or, for v3, a topic list or pattern) belongs to */
    Counters of(String topic) {
        String ns = namespaceOf(topic);
        Counters c = byNamespace.get(ns);
        if (c != null) {
            return c;
        }
        Counters created = new Counters();
        Counters existing = byNamespace.putIfAbsent(ns, created);
        if (existing != null) {
            return existing;
        }
        java.util.function.BiConsumer<String, Counters> listener = onAdded;
        if (listener != null) {
            listener.accept(ns, created);
        }
        return created;
    }

    static String namespaceOf(String topic) {
        if (topic.contains(",") || topic.startsWith("pattern ")) {
            return "multi-topic"; // a v3 session's list of topics or pattern
        }
        try {
            return TopicName.get(topic).getNamespace();
        } catch (RuntimeException e) {
            return "multi-topic"; // a v3 session's pattern or list of topics
        }
    }

    List<NamespaceCounters> snapshot() {
        List<NamespaceCounters> out = new ArrayList<>(byNamespace.size());
        byNamespace.forEach((ns, c) -> {
            long[] buckets = new long[c.latency.length];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = c.latency[i].sum();
            }
            out.add(new NamespaceCounters(
                    ns,
                    c.published.sum(),
                    c.bytesPublished.sum(),
                    c.publishFailures.sum(),
                    c.delivered.sum(),
                    c.bytesDelivered.sum(),
                    c.acks.sum(),
                    c.nacks.sum(),
                    buckets,
                    c.latencySumMicros.sum()));
        });
        return out;
    }
}
