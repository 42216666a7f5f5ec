package io.pulsarws.session.internal;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schemas of the versions one {@code payloadFormat=json} session has delivered, by topic and version. A version
 * seen for the first time is looked up on {@link Schemas#lookups} (the Pulsar client may block for it) before the
 * message is delivered; the session's one receive in flight waits for it, so order is kept.
 *
 * <p>Bounded: at most {@link #MAX} versions, forgotten all at once when full (a topic has few versions, and one
 * forgotten is only looked up again, from the client's own cache).
 */
final class SchemaVersions {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaVersions.class);
    static final int MAX = 16;

    private final Schemas schemas;
    /** Guarded by itself. */
    private final Map<String, TopicSchema> known = new HashMap<>();
    /** This session's last lookup; the next one is queued only once it has completed. Guarded by this. */
    private CompletableFuture<?> pending = CompletableFuture.completedFuture(null);
    /** The version of the last message looked at: messages of a topic mostly share one, so most need no key. */
    private volatile Last last;

    private record Last(String topic, byte[] version, TopicSchema schema) {
        boolean of(Message<?> m, byte[] v) {
            return java.util.Arrays.equals(version, v) && topic.equals(m.getTopicName());
        }
    }

    SchemaVersions(Schemas schemas) {
        this.schemas = schemas;
    }

    /** @return completes with {@code m} once the schema of its version is known here */
    CompletableFuture<Message<?>> resolve(Message<?> m) {
        byte[] version = m.getSchemaVersion();
        Last l = last;
        if (version == null || l != null && l.of(m, version)) {
            return CompletableFuture.completedFuture(m);
        }
        String key = key(m.getTopicName(), version);
        synchronized (known) {
            if (known.containsKey(key)) {
                return CompletableFuture.completedFuture(m);
            }
        }
        synchronized (this) {
            // after this session's previous lookup, not beside it: the lookup threads' queue then holds at most one
            // task per session, however many messages a session is handed before its first lookup completes
            CompletableFuture<Message<?>> looked = pending.thenApplyAsync(
                    x -> {
                        lookUp(m, key);
                        return m;
                    },
                    schemas.lookups());
            pending = looked.handle((x, e) -> null);
            return looked;
        }
    }

    /** @return what to do with the message's value (after {@link #resolve}) */
    TopicSchema of(Message<?> m) {
        byte[] version = m.getSchemaVersion();
        if (version == null) {
            return TopicSchema.NONE;
        }
        Last l = last;
        if (l != null && l.of(m, version)) {
            return l.schema();
        }
        TopicSchema schema;
        synchronized (known) {
            schema = known.get(key(m.getTopicName(), version));
        }
        if (schema == null) {
            return TopicSchema.NONE; // its lookup failed: the message goes out as bytes
        }
        last = new Last(m.getTopicName(), version, schema);
        return schema;
    }

    private void lookUp(Message<?> m, String key) {
        TopicSchema schema;
        try {
            schema = m.getReaderSchema().map(s -> schemas.of(s.getSchemaInfo())).orElse(TopicSchema.NONE);
        } catch (RuntimeException e) {
            // not kept: the next message of this version asks again; this one goes out as bytes
            LOG.debug("Schema of {} not found: {}", key, e.toString());
            return;
        }
        synchronized (known) {
            if (known.size() >= MAX) {
                known.clear();
            }
            known.put(key, schema);
        }
    }

    private static String key(String topic, byte[] version) {
        return topic + " " + Base64.getEncoder().encodeToString(version);
    }

    /** @return how many versions are known (for tests) */
    int size() {
        synchronized (known) {
            return known.size();
        }
    }
}
