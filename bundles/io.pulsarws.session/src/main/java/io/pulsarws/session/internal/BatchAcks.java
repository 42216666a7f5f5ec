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
 * <p>Why it cannot lose a message: a batch is tracked from the moment the broker delivers it to a session of the
 * subscription on this node ({@link #delivered}), with the batch size the broker gave; a client's id only names a
 * message (ledger, entry, partition, index) and never the size, so no client can make a batch look smaller than it
 * is, and an ack for a batch this node was not delivered does nothing here (the broker redelivers whatever stays
 * unacked). The caller checks that the topic is one the acking session subscribed to. A bit stands for "acked by a
 * client since the broker last delivered this message to this node": a redelivery (after a reconnect, an ack
 * timeout, a negative ack of another message of the batch, a seek or an administrative cursor reset) clears it, and
 * a subscription's whole state is dropped when a client unsubscribes or seeks through this node ({@link #forget}).
 * So an entry is acked only when every one of its messages was acked after its latest delivery here, which is what
 * Pulsar's own client requires of a batch redelivered to it. Forgetting state (the bounds below) only ever causes a
 * redelivery.
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
    /** How many batches are tracked. */
    private volatile int count;

    /** One batch entry of one subscription. */
    private record Key(String topic, String subscription, long ledgerId, long entryId, int partition) {}

    /** A delivered batch: its size as the broker gave it, and which of its messages clients acked since. */
    private record Batch(int size, BitSet acked) {}

    private static final class Tenant {
        final LinkedHashMap<Key, Batch> batches = new LinkedHashMap<>();
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
     * @param topic the topic (partition) the message belongs to: one the acking session subscribed to
     * @param subscription the subscription the ack is for
     * @param id the acked message id; only its entry, partition and index are read, never its batch size
     * @return true if this ack completed its batch: the caller acks the whole entry
     */
    synchronized boolean ack(String tenant, String topic, String subscription, MessageIdAdv id) {
        int index = id.getBatchIndex();
        Tenant t = index < 0 ? null : tenants.get(tenant);
        if (t == null) {
            return false;
        }
        Key key = key(topic, subscription, id);
        Batch batch = t.batches.get(key);
        if (batch == null || index >= batch.size()) {
            return false; // not delivered here since it was last forgotten, or no such message in it
        }
        batch.acked().set(index);
        if (batch.acked().cardinality() < batch.size()) {
            return false;
        }
        remove(tenant, t, key);
        return true;
    }

    /**
     * The broker delivered this message to a session of the subscription on this node: its batch is tracked with
     * the size the broker gave, and the message is unacked again.
     */
    synchronized void delivered(String tenant, String topic, String subscription, MessageIdAdv id) {
        int index = id.getBatchIndex();
        int size = id.getBatchSize();
        if (index < 0 || size <= 0 || index >= size || size > io.pulsarws.codec.MessageIds.MAX_BATCH_SIZE) {
            return;
        }
        Tenant t = tenants.computeIfAbsent(tenant, k -> new Tenant());
        Key key = key(topic, subscription, id);
        Batch batch = t.batches.get(key);
        if (batch == null) {
            t.batches.put(key, new Batch(size, new BitSet(size)));
            count++;
            add(t, cost(size));
            bound(tenant, t);
        } else {
            batch.acked().clear(index);
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
        for (Iterator<Map.Entry<Key, Batch>> it = t.batches.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Batch> e = it.next();
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

    /** @return true when no batch is tracked */
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
        Batch removed = t.batches.remove(key);
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
