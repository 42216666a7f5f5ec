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
        String t = "aGVhZGVy.cGF5bG9hZA.c2ln";
        String spelled = " aGVhZGVy.cGF5bG9hZA==.c2ln= ";
        assertEquals(CredentialClients.key(null, t, true), CredentialClients.key(null, spelled, true));
        CredentialClients.Lease a = clients.acquire(CredentialClients.key("r", t, true), t, 10);
        CredentialClients.Lease b = clients.acquire(CredentialClients.key("r", spelled, true), spelled, 10);
        assertSame(a.client(), b.client());
        assertEquals(1, clients.size());
        a.release();
        a.release(); // idempotent
        assertEquals(List.of(), closed);
        b.release();
        for (int i = 0; i < 500 && closed.isEmpty(); i++) {
            Thread.sleep(10); // closed on the closer thread, one client at a time
        }
        assertEquals(List.of(a.client()), closed);
        assertEquals(0, clients.size());
    }

    @Test
    void atMostMaxClientsExistAtOnce() throws Exception {
        CredentialClients clients = new CredentialClients(auth -> fakeClient(), 1000);
        CredentialClients.Lease one = clients.acquire("role r1", "t1", 2);
        clients.acquire("role r2", "t2", 2);
        assertThrows(CredentialClients.TooManyException.class, () -> clients.acquire("role r3", "t3", 2));
        clients.acquire("role r1", "t1b", 2).release(); // an existing role is still served, with another token
        one.release();
        clients.acquire("role r3", "t3", 2);
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
            Future<CredentialClients.Lease> slow = pool.submit(() -> clients.acquire("role s", "slow", 10));
            assertTrue(slowBuilding.await(10, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            clients.acquire("role f", "fast", 10);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "not held up by the slow build");
            release.countDown();
            slow.get(10, TimeUnit.SECONDS);
            assertEquals(2, clients.size());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    private static String jwt(String claims) {
        java.util.Base64.Encoder b = java.util.Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"HS256\"}".getBytes()) + "." + b.encodeToString(claims.getBytes()) + ".c2ln";
    }

    /**
     * Tokens of one role share one client, which presents the token expiring last: the broker re-authenticates a
     * long-lived connection with it. A token without exp never expires and wins; a later, shorter one does not.
     */
    @Test
    void tokensOfOneRoleShareAClientThatPresentsTheOneExpiringLast() throws Exception {
        List<org.apache.pulsar.client.api.Authentication> auths = new CopyOnWriteArrayList<>();
        CredentialClients clients = new CredentialClients(
                auth -> {
                    auths.add(auth);
                    return fakeClient();
                },
                1000);
        String early = jwt("{\"sub\":\"alice\",\"exp\":2000000000}");
        String later = jwt("{\"sub\":\"alice\",\"nested\":{\"exp\":1},\"exp\":2100000000}");
        String shorter = jwt("{\"sub\":\"alice\",\"exp\":2050000000}");
        CredentialClients.Lease a = clients.acquire(CredentialClients.key("alice", early, false), early, 1);
        assertEquals(early, auths.get(0).getAuthData().getCommandData());
        CredentialClients.Lease b = clients.acquire(CredentialClients.key("alice", later, false), later, 1);
        CredentialClients.Lease c = clients.acquire(CredentialClients.key("alice", shorter, false), shorter, 1);
        assertSame(a.client(), b.client());
        assertSame(a.client(), c.client());
        assertEquals(1, built.size(), "one client for the role, within maxClients=1");
        assertEquals(later, auths.get(0).getAuthData().getCommandData(), "the token expiring last");
        String forever = jwt("{\"sub\":\"alice\"}");
        clients.acquire(CredentialClients.key("alice", forever, false), forever, 1);
        assertEquals(forever, auths.get(0).getAuthData().getCommandData());
        assertThrows(
                CredentialClients.TooManyException.class,
                () -> clients.acquire(CredentialClients.key("bob", early, false), early, 1),
                "another role is another client");
        assertEquals(2_100_000_000L, CredentialClients.expiry(later));
        assertEquals(Long.MAX_VALUE, CredentialClients.expiry("not-a-jwt"));
    }
}
