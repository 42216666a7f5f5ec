package io.pulsarws.session.internal;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pulsar.client.api.MessageIdAdv;

/**
 * Which messages of a batch have been acked, per subscription, across every session of this gateway.
 *
 * <p>A batch message id rebuilt from its bytes (an ack from another connection or after a reconnect) gets its
 * own fresh batch tracker in the Pulsar client, so acking each of a batch's messages that way never acks the
 * entry (Pulsar #14242). This gateway counts the acks itself and acks the whole entry when all are in.
 * Bounded: the oldest incomplete batches are forgotten first (their messages are then redelivered, never lost).
 */
final class BatchAcks {
    private final Map<String, BitSet> incomplete;

    BatchAcks(int bound) {
        this.incomplete = new LinkedHashMap<>(64, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, BitSet> eldest) {
                return size() > bound;
            }
        };
    }

    /**
     * Records an ack.
     *
     * @param subscription the owner topic and subscription the ack is for
     * @param id the acked message id
     * @return true if this ack completed its batch: the caller acks the whole entry
     */
    synchronized boolean ack(String subscription, MessageIdAdv id) {
        int size = id.getBatchSize();
        int index = id.getBatchIndex();
        if (index < 0 || size <= 0 || index >= size) {
            return false;
        }
        String key = subscription + '|' + id.getLedgerId() + ':' + id.getEntryId();
        BitSet acked = incomplete.computeIfAbsent(key, k -> new BitSet(size));
        acked.set(index);
        if (acked.cardinality() < size) {
            return false;
        }
        incomplete.remove(key);
        return true;
    }

    synchronized int size() {
        return incomplete.size();
    }
}
