package io.pulsarws.session.internal;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pulsar.client.api.MessageIdAdv;

/**
 * Which messages of a batch clients have acked, per subscription, across every session of this gateway node.
 *
 * <p>Why: with the broker's default {@code acknowledgmentAtBatchIndexLevelEnabled=false} (Pulsar 4.0), the broker
 * only knows whole entries. A batch message id rebuilt from its bytes (an ack from another connection or after a
 * reconnect) gets its own fresh ack set in the Pulsar client, so acking each message of a batch that way never acks
 * the entry (Pulsar #14242). This gateway counts those acks itself and acks the whole entry when all are in.
 *
 * <p>Why it cannot lose a message: a bit stands for "acked by a client since the broker last delivered this message
 * to this node". It is cleared when the broker delivers that message to any session of the subscription on this
 * node ({@link #delivered}: a redelivery means the broker holds it unacked, for instance after a reconnect, an ack
 * timeout, a negative ack of another message of the batch, a seek or an administrative cursor reset, which
 * disconnects the consumers), and a subscription's whole state is dropped when a client unsubscribes or seeks
 * through this node ({@link #forget}). So an entry is acked only when every one of its messages was acked after
 * its latest delivery here, which is what Pulsar's own client requires of a batch redelivered to it. Forgetting
 * state (the bounds below) only ever causes a redelivery.
 *
 * <p>Bounded in bytes: each tenant's state within {@code maxBytesPerTenant} (its oldest batches forgotten first,
 * so one tenant cannot evict another's), all of it within {@code maxBytes} (then the largest tenant gives way).
 */
final class BatchAcks {
    /** What one tracked batch costs besides its bits: key, bit set and map entry objects. */
    static final int ENTRY_OVERHEAD_BYTES = 160;

    private final long maxBytes;
    private final long maxBytesPerTenant;
    /** Per tenant, its tracked batches oldest first; guarded by {@code this}. */
    private final Map<String, Tenant> tenants = new HashMap<>();

    private long bytes;
    /** How many batches are tracked; read without the lock, so that a delivery checks nothing when it is 0. */
    private volatile int count;

    /** One batch entry of one subscription. */
    private record Key(String topic, String subscription, long ledgerId, long entryId, int partition) {}

    private static final class Tenant {
        final LinkedHashMap<Key, BitSet> batches = new LinkedHashMap<>();
        long bytes;
    }

    BatchAcks(long maxBytes, long maxBytesPerTenant) {
        this.maxBytes = maxBytes;
        this.maxBytesPerTenant = maxBytesPerTenant;
    }

    /**
     * Records an ack.
     *
     * @param tenant the tenant of the topic
     * @param topic the topic (partition) the message belongs to
     * @param subscription the subscription the ack is for
     * @param id the acked message id (its batch size is checked before: at most MessageIds.MAX_BATCH_SIZE)
     * @return true if this ack completed its batch: the caller acks the whole entry
     */
    synchronized boolean ack(String tenant, String topic, String subscription, MessageIdAdv id) {
        int size = id.getBatchSize();
        int index = id.getBatchIndex();
        if (index < 0 || size <= 0 || index >= size) {
            return false;
        }
        Key key = key(topic, subscription, id);
        Tenant t = tenants.computeIfAbsent(tenant, k -> new Tenant());
        BitSet acked = t.batches.get(key);
        if (acked == null) {
            if (size == 1) {
                return true;
            }
            acked = new BitSet(size);
            t.batches.put(key, acked);
            count++;
            add(t, cost(size));
        }
        acked.set(index);
        if (acked.cardinality() < size) {
            bound(tenant, t);
            return false;
        }
        remove(tenant, t, key);
        return true;
    }

    /** The broker delivered this message to a session of the subscription on this node: it is unacked again. */
    synchronized void delivered(String tenant, String topic, String subscription, MessageIdAdv id) {
        if (id.getBatchIndex() < 0 || tenants.isEmpty()) {
            return;
        }
        Tenant t = tenants.get(tenant);
        BitSet acked = t == null ? null : t.batches.get(key(topic, subscription, id));
        if (acked != null) {
            acked.clear(id.getBatchIndex());
        }
    }

    /**
     * The subscription was deleted or moved (unsubscribe, seek): nothing acked before counts any more. Every
     * subscription of that name in the tenant is forgotten, whatever its topic (partitions, the topics of a
     * multi-topic consumer): forgetting too much only causes redeliveries.
     *
     * @param tenant the tenant of the consumer's topics
     * @param subscription the subscription name
     */
    synchronized void forget(String tenant, String subscription) {
        Tenant t = tenants.get(tenant);
        if (t == null) {
            return;
        }
        for (Iterator<Map.Entry<Key, BitSet>> it = t.batches.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, BitSet> e = it.next();
            if (e.getKey().subscription().equals(subscription)) {
                it.remove();
                count--;
                add(t, -cost(e.getValue().size()));
            }
        }
        if (t.batches.isEmpty()) {
            tenants.remove(tenant);
        }
    }

    /** @return the batches tracked */
    int size() {
        return count;
    }

    /** @return true when no batch is tracked (the usual case: then a delivery takes no lock) */
    boolean isEmpty() {
        return count == 0;
    }

    /** @return the bytes the tracked batches are accounted at */
    synchronized long bytes() {
        return bytes;
    }

    private static Key key(String topic, String subscription, MessageIdAdv id) {
        return new Key(topic, subscription, id.getLedgerId(), id.getEntryId(), id.getPartitionIndex());
    }

    /** @return the accounted cost of tracking a batch of this many messages */
    static long cost(int size) {
        return ENTRY_OVERHEAD_BYTES + (long) ((size + 63) / 64) * Long.BYTES;
    }

    private void add(Tenant t, long delta) {
        t.bytes += delta;
        bytes += delta;
    }

    private void remove(String tenant, Tenant t, Key key) {
        BitSet removed = t.batches.remove(key);
        if (removed != null) {
            count--;
            add(t, -cost(removed.size()));
        }
        if (t.batches.isEmpty()) {
            tenants.remove(tenant);
        }
    }

    /** Forgets the oldest batches of this tenant over its share, then of the largest tenants over the total. */
    private void bound(String tenant, Tenant t) {
        while (t.bytes > maxBytesPerTenant && !t.batches.isEmpty()) {
            remove(tenant, t, t.batches.keySet().iterator().next());
        }
        while (bytes > maxBytes) {
            Map.Entry<String, Tenant> largest = null;
            for (Map.Entry<String, Tenant> e : tenants.entrySet()) {
                if (largest == null || e.getValue().bytes > largest.getValue().bytes) {
                    largest = e;
                }
            }
            if (largest == null) {
                return;
            }
            remove(
                    largest.getKey(),
                    largest.getValue(),
                    largest.getValue().batches.keySet().iterator().next());
        }
    }
}
