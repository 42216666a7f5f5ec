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

    SchemaVersions(Schemas schemas) {
        this.schemas = schemas;
    }

    /** @return completes with {@code m} once the schema of its version is known here */
    CompletableFuture<Message<?>> resolve(Message<?> m) {
        String key = key(m);
        if (key != null) {
            synchronized (known) {
                if (!known.containsKey(key)) {
                    return CompletableFuture.supplyAsync(
                            () -> {
                                lookUp(m, key);
                                return m;
                            },
                            schemas.lookups());
                }
            }
        }
        return CompletableFuture.completedFuture(m);
    }

    /** @return what to do with the message's value (after {@link #resolve}) */
    TopicSchema of(Message<?> m) {
        String key = key(m);
        if (key == null) {
            return TopicSchema.NONE;
        }
        synchronized (known) {
            return known.getOrDefault(key, TopicSchema.NONE);
        }
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

    private static String key(Message<?> m) {
        byte[] version = m.getSchemaVersion();
        return version == null
                ? null
                : m.getTopicName() + " " + Base64.getEncoder().encodeToString(version);
    }
}
