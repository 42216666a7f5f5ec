package io.pulsarws.session.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;

/**
 * The producers of finished one-batch sessions (HTTP POSTs of send frames), kept idle for a short while so that the
 * next POST with the same client, role, topic and options takes one instead of creating its own: creating a producer
 * costs the broker a lookup and a round trip, and was 30-35% of the gateway's CPU for POSTs of 100 frames.
 *
 * <p>Bounded in number ({@link #MAX_IDLE} on the node) and in time ({@link #LINGER_MILLIS}); a producer that has
 * sends outstanding, that was given sequence ids by its client, or that is no longer connected is never kept or
 * handed out. A named producer, one with an initial sequence id and an encrypting one are never pooled (the caller
 * checks {@link #eligible}). Thread-safe.
 */
final class ProducerPool {
    /** How long an idle producer waits for the next POST before it is closed. */
    static final long LINGER_MILLIS = 2000;
    /** Idle producers on the node at most; past it, a finished POST's producer is closed. */
    static final int MAX_IDLE = 256;

    /**
     * What makes two POSTs' producers interchangeable: the same client (so the same broker credentials), the same
     * authenticated role (null for a request without one), the same topic and the same producer options.
     */
    record Key(PulsarClient client, String role, String topic, ProducerOptions options) {}

    /** An idle producer and what a session needs besides it. */
    record Idle(Producer<byte[]> producer, boolean clientEncrypted, TopicSchema schema) {}

    private record Entry(Idle idle, long sinceNanos) {}

    private final int maxIdle;
    private final long lingerNanos;
    private final LongSupplier nanos;
    /** Guarded by {@code this}. */
    private final Map<Key, ArrayDeque<Entry>> idle = new HashMap<>();
    /** Guarded by {@code this}. */
    private int size;
    /** Guarded by {@code this}. */
    private boolean closed;
    /** Producers handed out again instead of created. */
    private final LongAdder reused = new LongAdder();

    ProducerPool() {
        this(MAX_IDLE, LINGER_MILLIS, System::nanoTime);
    }

    ProducerPool(int maxIdle, long lingerMillis, LongSupplier nanos) {
        this.maxIdle = maxIdle;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMillis);
        this.nanos = nanos;
    }

    /** @return whether producers with these options may be pooled at all */
    static boolean eligible(ProducerOptions o) {
        return o.producerName() == null && o.initialSequenceId() == null && o.encryptionKeys() == null;
    }

    /** @return the most recently kept idle producer for the key that is still connected, or null */
    Idle take(Key key) {
        List<Producer<byte[]>> stale = new ArrayList<>();
        Idle found = null;
        synchronized (this) {
            ArrayDeque<Entry> q = idle.get(key);
            while (q != null && !q.isEmpty() && found == null) {
                Entry e = q.pollLast();
                size--;
                if (e.idle.producer().isConnected()) {
                    found = e.idle;
                } else {
                    stale.add(e.idle.producer());
                }
            }
            if (q != null && q.isEmpty()) {
                idle.remove(key);
            }
        }
        stale.forEach(ProducerPool::close);
        if (found != null) {
            reused.increment();
        }
        return found;
    }

    /**
     * Keeps a finished session's producer for the next one-batch session with the same key.
     *
     * @return false when it is not kept (the pool is full or closed, or the producer is not connected): the
     *     caller closes it
     */
    synchronized boolean offer(Key key, Idle producer) {
        if (closed || size >= maxIdle || !producer.producer().isConnected()) {
            return false;
        }
        idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(new Entry(producer, nanos.getAsLong()));
        size++;
        return true;
    }

    /** Closes the producers idle for longer than the linger time; called every few hundred milliseconds. */
    void expire() {
        long now = nanos.getAsLong();
        List<Producer<byte[]>> expired = new ArrayList<>();
        synchronized (this) {
            for (Iterator<ArrayDeque<Entry>> it = idle.values().iterator(); it.hasNext(); ) {
                ArrayDeque<Entry> q = it.next();
                while (!q.isEmpty() && now - q.peekFirst().sinceNanos >= lingerNanos) {
                    expired.add(q.pollFirst().idle.producer());
                    size--;
                }
                if (q.isEmpty()) {
                    it.remove();
                }
            }
        }
        expired.forEach(ProducerPool::close);
    }

    /** Closes every idle producer; later offers are refused. */
    void close() {
        List<Producer<byte[]>> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(q -> q.forEach(e -> all.add(e.idle.producer())));
            idle.clear();
            size = 0;
        }
        all.forEach(ProducerPool::close);
    }

    /** @return idle producers now */
    synchronized int size() {
        return size;
    }

    /** @return producers handed out again so far */
    long reused() {
        return reused.sum();
    }

    private static void close(Producer<byte[]> p) {
        p.closeAsync().exceptionally(e -> null);
    }
}
