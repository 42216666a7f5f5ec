package io.pulsarws.session.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.apache.pulsar.client.api.TopicMessageId;

/**
 * Messages delivered on one session and not yet acked or nacked, by their base64 id. Acking through the original
 * {@link MessageId} object keeps batch-index acks working; the bound only protects memory from a pull-mode client
 * that never acks (an evicted id is still acked, just decoded from its bytes).
 */
final class OutstandingMessages {
    private final Map<String, MessageId> byId;

    OutstandingMessages(int bound) {
        this.byId = new LinkedHashMap<>(64, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, MessageId> eldest) {
                return size() > bound;
            }
        };
    }

    /** @return true if the id was not outstanding yet (a first delivery, which costs a credit) */
    synchronized boolean put(String id, MessageId messageId) {
        return byId.put(id, messageId) == null;
    }

    /** @return the outstanding message id, or null if it was not delivered here (or was evicted) */
    synchronized MessageId remove(String id) {
        return byId.remove(id);
    }

    /** @return how many outstanding messages of the same topic partition were at or before {@code upTo} (now removed) */
    synchronized int removeUpTo(MessageId upTo) {
        return removeIf(id -> sameStream(id, upTo) && id.compareTo(upTo) <= 0);
    }

    /** @return how many outstanding messages of the same topic partition as {@code of} there were (now removed) */
    synchronized int removeStream(MessageId of) {
        return removeIf(id -> sameStream(id, of));
    }

    /** @return how many outstanding messages there were (now all removed) */
    synchronized int clear() {
        int n = byId.size();
        byId.clear();
        return n;
    }

    private int removeIf(java.util.function.Predicate<MessageId> which) {
        int removed = 0;
        for (var it = byId.values().iterator(); it.hasNext(); ) {
            if (which.test(it.next())) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /**
     * Message ids only order within one topic partition; Pulsar's compareTo does not check that (it compares
     * ledger, entry, partition and batch index), so the owner topic and partition are compared here first.
     */
    static boolean sameStream(MessageId a, MessageId b) {
        String ownerA = a instanceof TopicMessageId t ? t.getOwnerTopic() : null;
        String ownerB = b instanceof TopicMessageId t ? t.getOwnerTopic() : null;
        if (ownerA != null && ownerB != null && !ownerA.equals(ownerB)) {
            return false;
        }
        int partA = a instanceof MessageIdAdv adv ? adv.getPartitionIndex() : -1;
        int partB = b instanceof MessageIdAdv adv ? adv.getPartitionIndex() : -1;
        return partA == partB;
    }

    synchronized int size() {
        return byId.size();
    }
}
