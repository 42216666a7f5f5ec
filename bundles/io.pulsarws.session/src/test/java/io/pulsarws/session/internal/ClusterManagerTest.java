package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cluster manager with real (never connected) Pulsar clients: in-place settings, rebuilds, rejected
 * configurations, and that a configuration change never waits for the control thread.
 */
class ClusterManagerTest {
    private final List<Cluster> closed = new CopyOnWriteArrayList<>();
    private final List<Integer> memoryLimits = new CopyOnWriteArrayList<>();

    /** A configuration: the metatype defaults, with these values instead. */
    static GatewayConfiguration config(Map<String, Object> values) {
        return (GatewayConfiguration) Proxy.newProxyInstance(
                ClusterManagerTest.class.getClassLoader(),
                new Class<?>[] {GatewayConfiguration.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "config " + values;
                    case "annotationType" -> GatewayConfiguration.class;
                    // a short operation timeout: closing a never connected client waits no longer than that
                    case "operationTimeoutMillis" -> values.getOrDefault("operationTimeoutMillis", 2000);
                    default -> values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue();
                });
    }

    private ClusterManager manager() {
        return new ClusterManager(
                "test",
                c -> {
                    closed.add(c);
                    c.close();
                    return 0;
                },
                c -> memoryLimits.add(c.memoryLimitMb()));
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(10); // a bounded poll inside a deadline
        }
    }

    @Test
    void appliesInPlaceRebuildsAndRejects() throws Exception {
        ClusterManager m = manager();
        try {
            assertTrue(m.start(config(Map.of("serviceUrl", "pulsar://127.0.0.1:1"))));
            Cluster first = m.cluster();
            m.update(config(Map.of("serviceUrl", "pulsar://127.0.0.1:1", "maxPendingMessages", 5, "memoryLimitMb", 7)));
            await(() -> m.settings().sessions().maxPendingMessages() == 5);
            assertSame(first.client, m.cluster().client, "a per-session default: same client");
            assertEquals(List.of(64, 7), memoryLimits, "the send budget follows");
            m.update(config(Map.of("serviceUrl", "pulsar://127.0.0.1:1", "connectionTimeoutMillis", 9000)));
            await(() -> !closed.isEmpty());
            assertSame(first.client, closed.get(0).client, "the old client and its sessions were closed");
            assertNotSame(first.client, m.cluster().client);
            Cluster second = m.cluster();
            m.update(config(Map.of("serviceUrl", "bogus://x")));
            m.update(config(Map.of(
                    "serviceUrl", "pulsar://127.0.0.1:1", "connectionTimeoutMillis", 9000, "receiverQueueSize", 3)));
            await(() -> m.settings().sessions().receiverQueueSize() == 3);
            assertSame(second.client, m.cluster().client, "the bad one was rejected, the previous stayed in force");
        } finally {
            m.close();
        }
        assertEquals(2, closed.size(), "closing closes the clients in force");
    }

    @Test
    void anInvalidFirstConfigurationFailsTheStart() {
        ClusterManager m = manager();
        assertFalse(m.start(config(Map.of("serviceUrl", "", "configurationMetadataStoreUrl", ""))));
        assertNull(m.cluster());
    }

    /** ConfigAdmin's thread (or ZooKeeper's) never waits while the control thread closes a cluster. */
    @Test
    void aChangeNeverWaitsForTheControlThread() throws Exception {
        CountDownLatch closing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ClusterManager m = new ClusterManager(
                "test",
                c -> {
                    closing.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS); // a slow close, as a broker that does not answer
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    c.close();
                    return 0;
                },
                c -> {});
        try {
            assertTrue(m.start(config(Map.of("serviceUrl", "pulsar://127.0.0.1:1"))));
            m.update(config(Map.of("serviceUrl", "pulsar://127.0.0.1:2")));
            assertTrue(closing.await(10, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            m.update(config(Map.of("serviceUrl", "pulsar://127.0.0.1:3")));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "update() returned at once");
            release.countDown();
            await(() -> m.cluster().serviceUrl.equals("pulsar://127.0.0.1:3"));
        } finally {
            release.countDown();
            m.close();
        }
    }
}
