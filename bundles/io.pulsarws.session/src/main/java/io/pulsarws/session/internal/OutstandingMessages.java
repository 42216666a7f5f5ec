package io.pulsarws.session.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pulsar.client.api.MessageId;

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

    /** @return how many outstanding messages were at or before {@code upTo} (now removed) */
    synchronized int removeUpTo(MessageId upTo) {
        int removed = 0;
        for (var it = byId.values().iterator(); it.hasNext();) {
            MessageId id = it.next();
            if (comparable(id, upTo) && id.compareTo(upTo) <= 0) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** Forgets everything (after a seek, the broker delivers again from the new position). */
    synchronized void clear() {
        byId.clear();
    }

    /** Ids of different partitions or topics have no order; comparing them throws. */
    private static boolean comparable(MessageId a, MessageId b) {
        try {
            a.compareTo(b);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    synchronized int size() {
        return byId.size();
    }
}
