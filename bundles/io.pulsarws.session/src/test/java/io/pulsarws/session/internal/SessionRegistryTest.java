package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.PayloadFormat;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.Producer;
import org.junit.jupiter.api.Test;

/** The registry closes one session by id, or every session of a replaced cluster, and forgets closed ones. */
class SessionRegistryTest {
    private final SessionRegistry registry = new SessionRegistry();
    /** One context for all sessions of a test, as in the gateway: it hands out distinct ids. */
    private final SessionContext context =
            Fakes.context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>());

    @SuppressWarnings("unchecked")
    private ProducerSession session(Fakes.Sink sink) {
        Producer<byte[]> producer =
                Fakes.of(Producer.class, Map.of("closeAsync", a -> CompletableFuture.completedFuture(null)));
        ProducerSession s = new ProducerSession(
                context,
                producer,
                "persistent://public/default/t",
                false,
                "test",
                10,
                PayloadFormat.BASE64,
                TopicSchema.NONE);
        s.start(sink);
        return s;
    }

    @Test
    void anOperatorClosesOneSessionById() {
        Fakes.Sink a = new Fakes.Sink();
        Fakes.Sink b = new Fakes.Sink();
        ProducerSession first = session(a);
        ProducerSession second = session(b);
        registry.add(first, null);
        registry.add(second, null);
        assertTrue(first.id() != second.id(), "distinct ids");
        assertEquals(2, registry.infos().size());
        assertTrue(registry.close(second.id()));
        assertEquals(1000, b.closeCode);
        assertEquals(0, a.closeCode, "the other session stays open");
        assertFalse(registry.close(-1), "no such session");
        registry.forget(second);
        assertEquals(1, registry.infos().size());
        assertEquals(first.id(), registry.infos().get(0).id());
    }

    /** A rebuild closes the sessions of the old clients with 1001 and leaves those of the new ones. */
    @Test
    void aReplacedClusterTakesItsSessionsWithIt() {
        Cluster old = Fakes.cluster(Map.of());
        Cluster current = Fakes.cluster(Map.of());
        try {
            Fakes.Sink onOld = new Fakes.Sink();
            Fakes.Sink onCurrent = new Fakes.Sink();
            ProducerSession s1 = session(onOld);
            ProducerSession s2 = session(onCurrent);
            s1.bindOwner(old.client);
            s2.bindOwner(current.client);
            registry.add(s1, null);
            registry.add(s2, null);
            assertEquals(1, registry.closeAll(old));
            assertEquals(PulsarGateway.CLOSE_SERVICE_RESTART, onOld.closeCode);
            assertEquals(0, onCurrent.closeCode);
            assertTrue(old.isClosed(), "the old clients are closed, so a late handshake on them is refused");
            assertFalse(current.isClosed());
        } finally {
            current.close();
        }
    }
}
