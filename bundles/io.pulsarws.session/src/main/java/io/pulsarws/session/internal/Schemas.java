package io.pulsarws.session.internal;

import io.pulsarws.codec.AvroJson;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pulsar.common.schema.SchemaInfo;
import org.apache.pulsar.common.schema.SchemaType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's topic schemas, for sessions with {@code payloadFormat=json}: parsed Avro definitions shared by every
 * session (a definition is parsed once, not per session or message), and the threads that may wait for the broker
 * to name the schema of a version the Pulsar client has not seen yet.
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} definitions and {@link #MAX_BYTES} bytes of definition text are kept
 * (the least recently used go first); the lookup threads are at most {@link #THREADS}, and what waits for them is at
 * most one task per session ({@link SchemaVersions} queues a session's next lookup only once its last one is done).
 */
final class Schemas {
    private static final Logger LOG = LoggerFactory.getLogger(Schemas.class);
    static final int MAX_ENTRIES = 64;
    static final long MAX_BYTES = 8L << 20;
    static final int THREADS = 2;

    /** Parsed definitions by their text, least recently used first; guarded by itself. */
    private final LinkedHashMap<String, AvroJson> parsed = new LinkedHashMap<>(16, 0.75f, true);

    private long bytes;
    private final ThreadPoolExecutor lookups;

    Schemas() {
        AtomicInteger n = new AtomicInteger();
        lookups = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "pulsarws-schema-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        lookups.allowCoreThreadTimeOut(true); // no threads at all on a node whose clients never ask for json
    }

    /**
     * Where a session waits for the Pulsar client to fetch a schema version (a blocking call inside the client,
     * which must run neither on the client's own threads nor on the endpoint's).
     */
    Executor lookups() {
        return task -> {
            try {
                lookups.execute(task);
            } catch (RejectedExecutionException e) {
                task.run(); // shut down: the session is being closed anyway; let its future complete
            }
        };
    }

    /**
     * @param info a topic's schema as the Pulsar client names it (null for none)
     * @return what a json session does with the topic's values
     */
    TopicSchema of(SchemaInfo info) {
        if (info == null || info.getType() != SchemaType.AVRO && info.getType() != SchemaType.JSON) {
            return TopicSchema.NONE;
        }
        String definition = new String(info.getSchema(), StandardCharsets.UTF_8);
        AvroJson avro;
        try {
            avro = parse(definition);
        } catch (IllegalArgumentException e) {
            // a schema this gateway cannot map (or not a record definition): its values travel as bytes
            LOG.debug("Schema {} of type {} is delivered as bytes: {}", info.getName(), info.getType(), e.getMessage());
            return TopicSchema.NONE;
        }
        return new TopicSchema(info.getType(), avro);
    }

    private AvroJson parse(String definition) {
        synchronized (parsed) {
            AvroJson known = parsed.get(definition);
            if (known != null) {
                return known;
            }
        }
        AvroJson avro = AvroJson.parse(definition); // outside the lock: a large definition takes a while
        synchronized (parsed) {
            if (parsed.put(definition, avro) == null) {
                bytes += definition.length();
            }
            Iterator<Map.Entry<String, AvroJson>> oldest = parsed.entrySet().iterator();
            while ((parsed.size() > MAX_ENTRIES || bytes > MAX_BYTES) && oldest.hasNext()) {
                Map.Entry<String, AvroJson> e = oldest.next();
                if (e.getValue() == avro) {
                    break; // the one just parsed stays, even if it alone is over the bound
                }
                bytes -= e.getKey().length();
                oldest.remove();
            }
        }
        return avro;
    }

    /** @return the lookups waiting for a thread (for tests) */
    int waiting() {
        return lookups.getQueue().size();
    }

    /** @return how many definitions are kept (for tests) */
    int size() {
        synchronized (parsed) {
            return parsed.size();
        }
    }

    void close() {
        lookups.shutdownNow();
    }
}
