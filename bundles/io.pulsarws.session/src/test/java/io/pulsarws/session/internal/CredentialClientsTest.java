package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.jupiter.api.Test;

class CredentialClientsTest {
    /** Clients built so far, and those closed. */
    private final List<PulsarClient> built = new CopyOnWriteArrayList<>();

    private final List<PulsarClient> closed = new CopyOnWriteArrayList<>();

    /** A stand-in for a Pulsar client: only closeAsync is used by CredentialClients. */
    private PulsarClient fakeClient() {
        PulsarClient[] self = new PulsarClient[1];
        self[0] = (PulsarClient) Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {PulsarClient.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "closeAsync" -> {
                        closed.add(self[0]);
                        yield CompletableFuture.completedFuture(null);
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        built.add(self[0]);
        return self[0];
    }

    @Test
    void equivalentSpellingsShareOneClientAndTheLastLeaseClosesIt() throws Exception {
        CredentialClients clients = new CredentialClients(auth -> fakeClient(), 1000);
        CredentialClients.Lease a = clients.acquire("aGVhZGVy.cGF5bG9hZA.c2ln", 10);
        CredentialClients.Lease b = clients.acquire(" aGVhZGVy.cGF5bG9hZA==.c2ln= ", 10);
        assertSame(a.client(), b.client());
        assertEquals(1, clients.size());
        a.release();
        a.release(); // idempotent
        assertEquals(List.of(), closed);
        b.release();
        assertEquals(List.of(a.client()), closed);
        assertEquals(0, clients.size());
    }

    @Test
    void atMostMaxClientsExistAtOnce() throws Exception {
        CredentialClients clients = new CredentialClients(auth -> fakeClient(), 1000);
        CredentialClients.Lease one = clients.acquire("t1", 2);
        clients.acquire("t2", 2);
        assertThrows(CredentialClients.TooManyException.class, () -> clients.acquire("t3", 2));
        clients.acquire("t1", 2).release(); // an existing credential is still served
        one.release();
        clients.acquire("t3", 2);
        assertEquals(3, built.size());
    }

    /** A client that takes long to build holds up only the handshakes waiting for the same credential. */
    @Test
    void buildsOutsideTheLock() throws Exception {
        CountDownLatch slowBuilding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CredentialClients clients = new CredentialClients(
                auth -> {
                    if (auth != null && "slow".equals(auth.getAuthData().getCommandData())) {
                        slowBuilding.countDown();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return fakeClient();
                },
                10_000);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<CredentialClients.Lease> slow = pool.submit(() -> clients.acquire("slow", 10));
            assertTrue(slowBuilding.await(10, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            clients.acquire("fast", 10);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "not held up by the slow build");
            release.countDown();
            slow.get(10, TimeUnit.SECONDS);
            assertEquals(2, clients.size());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
