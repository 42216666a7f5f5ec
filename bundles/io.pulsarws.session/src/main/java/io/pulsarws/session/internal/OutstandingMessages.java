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

    synchronized int size() {
        return byId.size();
    }
}
