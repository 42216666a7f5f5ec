package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.EndpointPath;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.apache.pulsar.client.impl.BatchMessageIdImpl;
import org.junit.jupiter.api.Test;

/** Consumer sessions against fake Pulsar consumers: acks of a batch from another connection, and redeliveries. */
class ConsumerSessionTest {
    private final BatchAcks batchAcks = new BatchAcks(1 << 20, 1 << 20);
    private final ConsumerOptions options = ConsumerOptions.parse(
            EndpointPath.parse("/ws/v2/consumer/persistent/public/default/t/s"),
            new QueryParams(Map.of()),
            new SessionDefaults(1000, 10));

    /** A fake consumer: receives complete from {@code queue}; acks are recorded in {@code acked}. */
    @SuppressWarnings("unchecked")
    private ConsumerSession session(List<Message<byte[]>> queue, List<MessageId> acked, Fakes.Sink sink) {
        Consumer<byte[]> consumer = Fakes.of(
                Consumer.class,
                Map.of(
                        "receiveAsync",
                        a -> queue.isEmpty()
                                ? new CompletableFuture<>()
                                : CompletableFuture.completedFuture(queue.remove(0)),
                        "acknowledgeAsync",
                        a -> {
                            acked.add((MessageId) a[0]);
                            return CompletableFuture.completedFuture(null);
                        },
                        "closeAsync",
                        a -> CompletableFuture.completedFuture(null)));
        ConsumerSession s = new ConsumerSession(
                Fakes.context(new SendBudget(0), batchAcks, new ArrayList<>()), consumer, options, "test");
        s.start(sink);
        return s;
    }

    private static Message<byte[]> batchMessage(int index) {
        return Fakes.message(new BatchMessageIdImpl(3, 1, -1, index, 3, null), ("m" + index).getBytes());
    }

    private static String id(int index) {
        return Base64.getEncoder().encodeToString(new BatchMessageIdImpl(3, 1, -1, index, 3, null).toByteArray());
    }

    private static boolean entryAcked(List<MessageId> acked) {
        return acked.stream()
                .anyMatch(m -> m instanceof MessageIdAdv a
                        && a.getLedgerId() == 3
                        && a.getEntryId() == 1
                        && a.getBatchIndex() < 0);
    }

    /** Pulsar #14242: acks of a batch's messages from another connection ack the whole entry once all are in. */
    @Test
    void acksFromAnotherConnectionCompleteTheBatch() {
        List<MessageId> ackedA = new ArrayList<>();
        session(new ArrayList<>(List.of(batchMessage(0), batchMessage(1), batchMessage(2))), ackedA, new Fakes.Sink());
        List<MessageId> ackedB = new ArrayList<>();
        ConsumerSession b = session(new ArrayList<>(), ackedB, new Fakes.Sink());
        for (int i = 0; i < 3; i++) {
            b.onText("{\"messageId\":\"" + id(i) + "\"}");
        }
        assertTrue(entryAcked(ackedB), "the whole entry acked: " + ackedB);
    }

    /** The loss: what was acked before a redelivery does not count; every message must be acked again. */
    @Test
    void aRedeliveryClearsWhatWasAckedBefore() {
        List<MessageId> acked = new ArrayList<>();
        ConsumerSession other = session(new ArrayList<>(), acked, new Fakes.Sink());
        other.onText("{\"messageId\":\"" + id(0) + "\"}");
        other.onText("{\"messageId\":\"" + id(1) + "\"}");
        // the broker redelivers the entry to a session of the subscription (a reconnect, an unsubscribe...)
        session(
                new ArrayList<>(List.of(batchMessage(0), batchMessage(1), batchMessage(2))),
                new ArrayList<>(),
                new Fakes.Sink());
        other.onText("{\"messageId\":\"" + id(2) + "\"}");
        assertTrue(!entryAcked(acked), "m0 and m1 were not acked since their redelivery: " + acked);
        other.onText("{\"messageId\":\"" + id(0) + "\"}");
        other.onText("{\"messageId\":\"" + id(1) + "\"}");
        assertTrue(entryAcked(acked));
        assertEquals(0, batchAcks.size());
    }
}
