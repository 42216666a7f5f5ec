package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.ClientIdentity;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.session.OpenRequest;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The refusals a handshake gets before any broker is asked, with a real (never connected) client: every one is
 * an HTTP status with a reason, and none registers a session.
 */
class SessionFactoryTest {
    private final AtomicReference<Cluster> cluster = new AtomicReference<>();
    private final SessionRegistry sessions = new SessionRegistry();
    private final SessionFactory factory = new SessionFactory(
            cluster::get,
            sessions,
            Fakes.context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>()));

    private void connect(Map<String, Object> config) {
        cluster.set(Fakes.cluster(config));
    }

    @AfterEach
    void close() {
        Cluster c = cluster.get();
        if (c != null) {
            c.close();
        }
    }

    private CompletableFuture<GatewaySession> open(String path, Map<String, String> params, ClientIdentity identity) {
        return factory.openAsync(new OpenRequest(EndpointPath.parse(path), params, "127.0.0.1:5000", identity));
    }

    /** @return the refusal, which must be decided before {@code openAsync} returns: no broker is asked */
    private OpenRefusedException refused(String path, Map<String, String> params, ClientIdentity identity) {
        CompletableFuture<GatewaySession> opening = open(path, params, identity);
        assertTrue(opening.isCompletedExceptionally(), "refused at once");
        ExecutionException e = assertThrows(ExecutionException.class, () -> opening.get(0, TimeUnit.SECONDS));
        return assertInstanceOf(OpenRefusedException.class, e.getCause());
    }

    /**
     * A handshake waiting for the broker holds no thread: {@code openAsync} returns before the broker answered, and
     * a broker that never answers (here: none listening) fails the future with 504 at the operation timeout. On the
     * code before, the caller's thread waited the whole timeout inside {@code open}.
     */
    @Test
    void waitingForTheBrokerHoldsNoThreadAndEndsWith504AtTheOperationTimeout() throws Exception {
        connect(Map.of("operationTimeoutMillis", 2_000));
        long start = System.nanoTime();
        CompletableFuture<GatewaySession> opening =
                open("/ws/v2/consumer/persistent/public/default/t/s", Map.of(), null);
        long returnedMillis = (System.nanoTime() - start) / 1_000_000;
        assertFalse(opening.isDone(), "decided by the broker, later");
        assertTrue(returnedMillis < 1_000, "returned after " + returnedMillis + " ms");
        ExecutionException e = assertThrows(ExecutionException.class, () -> opening.get(30, TimeUnit.SECONDS));
        OpenRefusedException refusal = assertInstanceOf(OpenRefusedException.class, e.getCause());
        assertTrue(refusal.status() == 504 || refusal.status() == 500, refusal.status() + " " + refusal.getMessage());
        assertTrue(sessions.infos().isEmpty());
    }

    @Test
    void anInvalidTopicNameIs400() {
        OpenRefusedException e = refused("/ws/v2/producer/persistent/pub%21lic/default/t", Map.of(), null);
        assertEquals(400, e.status());
        assertTrue(sessions.infos().isEmpty());
    }

    @Test
    void withoutBrokersYetItIs503() {
        OpenRefusedException e = refused("/ws/v2/producer/persistent/public/default/t", Map.of(), null);
        assertEquals(503, e.status());
        assertTrue(e.getMessage().contains("waiting for its cluster's brokers"), e.getMessage());
    }

    @Test
    void aBadQueryParameterIs400() {
        connect(Map.of());
        OpenRefusedException e =
                refused("/ws/v2/producer/persistent/public/default/t", Map.of("sendTimeoutMillis", "-1"), null);
        assertEquals(400, e.status());
        e = refused("/ws/v2/consumer/persistent/public/default/t/s", Map.of("subscriptionType", "Bogus"), null);
        assertEquals(400, e.status());
        assertTrue(sessions.infos().isEmpty());
    }

    /** With the broker authorizing each session, a password gives it nothing to authorize with. */
    @Test
    void aPasswordIs401WhenTheBrokerAuthorizes() {
        connect(Map.of("authorizationEnabled", true));
        OpenRefusedException e =
                refused("/ws/v2/producer/persistent/public/default/t", Map.of(), ClientIdentity.ofPassword("alice"));
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("use a token"), e.getMessage());
    }

    /**
     * Issue 21, item 4: authorization without an authenticated identity (authentication off, no anonymous role) is
     * 401, never a session on the gateway's own credentials. On the code before, the session was opened.
     */
    @Test
    void authorizationWithoutAnIdentityFailsClosed() {
        connect(Map.of("authorizationEnabled", true));
        OpenRefusedException e = refused("/ws/v2/producer/persistent/public/default/t", Map.of(), null);
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("not authenticated"), e.getMessage());
        assertTrue(sessions.infos().isEmpty());
    }
}
