package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.MessageIds;
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
    private ConsumerSession session(List<Message<byte[]>> queue, List<MessageId> acked, Fakes.Sink sink) {
        return session(options, queue, acked, sink);
    }

    @SuppressWarnings("unchecked")
    private ConsumerSession session(
            ConsumerOptions options, List<Message<byte[]>> queue, List<MessageId> acked, Fakes.Sink sink) {
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

    /**
     * Issue 21, item 1: a v3 consumer's ids carry their topic, chosen by the client. An id naming a topic this
     * session did not subscribe to is refused in-band with code 6 and reaches neither the Pulsar consumer nor the
     * node's batch bookkeeping of that topic's subscription; ids of its own topics (and their partitions) work.
     * On the code before, the forged ack was handed to the Pulsar client and counted in the victim's batch.
     */
    @Test
    void aV3ConsumerCannotAckForATopicItDidNotSubscribeTo() {
        ConsumerOptions v3 = ConsumerOptions.parse(
                EndpointPath.parse("/ws/v3/consumer/s"),
                new QueryParams(Map.of("topics", "persistent://mine/ns/a,persistent://mine/ns/b")),
                new SessionDefaults(1000, 10));
        String victim = "persistent://victim/ns/t";
        for (int i = 0; i < 3; i++) { // the victim's batch, delivered on this node to the victim's session
            batchAcks.delivered("victim", victim, "s", new BatchMessageIdImpl(3, 1, -1, i, 3, null));
        }
        List<MessageId> acked = new ArrayList<>();
        Fakes.Sink sink = new Fakes.Sink();
        ConsumerSession attacker = session(v3, new ArrayList<>(), acked, sink);
        for (int i = 0; i < 3; i++) {
            byte[] forged = MessageIds.withTopic(new BatchMessageIdImpl(3, 1, -1, i, 3, null).toByteArray(), victim);
            attacker.onText("{\"messageId\":\"" + Base64.getEncoder().encodeToString(forged) + "\"}");
        }
        assertEquals(List.of(), acked, "nothing reached the Pulsar consumer");
        assertEquals(3, sink.frames.size(), sink.frames.toString());
        for (String f : sink.frames) {
            assertTrue(f.contains("\"errorCode\":6") && f.contains("\"command\":\"ack\""), f);
        }
        assertEquals(0, sink.closeCode, "the session goes on");
        assertEquals(1, batchAcks.size(), "the victim's batch is still tracked, unacked");
        assertTrue(attacker.owns("persistent://mine/ns/a"));
        assertTrue(attacker.owns("persistent://mine/ns/b-partition-3"));
        assertTrue(!attacker.owns("persistent://mine/ns/c"));
        assertTrue(!attacker.owns("persistent://mine/ns/a-partition-x"));
        byte[] own = MessageIds.withTopic(
                new BatchMessageIdImpl(4, 1, -1, 0, 1, null).toByteArray(), "persistent://mine/ns/a");
        attacker.onText("{\"messageId\":\"" + Base64.getEncoder().encodeToString(own) + "\"}");
        assertEquals(1, acked.size(), "an id of its own topic is acked: " + acked);
    }

    /** A pattern consumer owns what its pattern matches, partitions included. */
    @Test
    void aPatternConsumerOwnsWhatItsPatternMatches() {
        ConsumerOptions v3 = ConsumerOptions.parse(
                EndpointPath.parse("/ws/v3/consumer/s"),
                new QueryParams(Map.of("topicsPattern", "persistent://mine/ns/a.*")),
                new SessionDefaults(1000, 10));
        ConsumerSession s = session(v3, new ArrayList<>(), new ArrayList<>(), new Fakes.Sink());
        assertTrue(s.owns("persistent://mine/ns/a1"));
        assertTrue(s.owns("persistent://mine/ns/abc-partition-0"));
        assertTrue(!s.owns("persistent://mine/ns/b"));
        assertTrue(!s.owns("persistent://other/ns/a1"));
    }
    /**
     * A consumer's drain delivers nothing new and completes once every message it delivered is acked (the acks are
     * still read), so that the client's acks reach the broker before the close instead of being redelivered.
     */
    @Test
    void aDrainingConsumerWaitsForTheAcksOfWhatItDelivered() {
        List<Message<byte[]>> queue = new ArrayList<>(List.of(batchMessage(0), batchMessage(1)));
        List<MessageId> acked = new ArrayList<>();
        Fakes.Sink sink = new Fakes.Sink();
        ConsumerSession s = session(queue, acked, sink);
        assertEquals(2, sink.frames.size());
        queue.add(batchMessage(2)); // there, but not asked for: the receive in flight never completes
        CompletableFuture<String> drained = s.drain();
        assertTrue(!drained.isDone(), "two messages unacked");
        assertTrue(!sink.paused, "acks are still read");
        s.onText("{\"messageId\":\"" + id(0) + "\"}");
        assertTrue(!drained.isDone(), "one message unacked");
        s.onText("{\"messageId\":\"" + id(1) + "\"}");
        assertTrue(drained.isDone());
        assertEquals(null, drained.join(), "a consumer's subscription remembers where it was");
        assertEquals(2, sink.frames.size(), "nothing new delivered while draining");
    }
}
