package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.junit.jupiter.api.Test;

/**
 * Credit-based delivery (through a reader session, the simplest kind) against a fake Pulsar reader whose receives
 * the test completes: the window, credit returned by acks, and no new delivery while the client does not read.
 */
class DeliverySessionTest {
    private final List<CompletableFuture<Message<byte[]>>> receives = new ArrayList<>();
    private final Fakes.Sink sink = new Fakes.Sink();

    @SuppressWarnings("unchecked")
    private ReaderSession session(int window) {
        Reader<byte[]> reader = Fakes.of(
                Reader.class,
                Map.of(
                        "readNextAsync",
                        a -> {
                            CompletableFuture<Message<byte[]>> f = new CompletableFuture<>();
                            receives.add(f);
                            return f;
                        },
                        "closeAsync",
                        a -> CompletableFuture.completedFuture(null)));
        return new ReaderSession(
                Fakes.context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>()),
                reader,
                "persistent://public/default/t",
                window,
                "test",
                io.pulsarws.codec.PayloadFormat.BASE64);
    }

    private void deliver(int i) {
        receives.get(receives.size() - 1).complete(Fakes.message(new MessageIdImpl(1, i, -1), ("m" + i).getBytes()));
    }

    private static String id(int entry) {
        return Base64.getEncoder().encodeToString(new MessageIdImpl(1, entry, -1).toByteArray());
    }

    @Test
    void deliversUpToTheWindowAndAcksReturnCredit() {
        ReaderSession s = session(2);
        s.start(sink);
        assertEquals(1, receives.size(), "one receive in flight at a time");
        deliver(0);
        deliver(1);
        assertEquals(2, receives.size(), "the window of 2 is used up: no third receive");
        assertEquals(2, sink.frames().size());
        s.onText("{\"messageId\":\"" + id(0) + "\"}");
        assertEquals(3, receives.size(), "an ack returned one credit");
        s.onText("{\"messageId\":\"" + id(0) + "\"}");
        assertEquals(3, receives.size(), "the same ack again returns nothing");
    }

    /** A client that does not read gets nothing new until it has caught up. */
    @Test
    void noNewDeliveryWhileTheClientDoesNotRead() {
        ReaderSession s = session(100);
        sink.writable = false;
        s.start(sink);
        assertEquals(0, receives.size());
        sink.writable = true;
        s.onWritable();
        assertEquals(1, receives.size());
        sink.writable = false;
        deliver(0);
        assertEquals(1, receives.size(), "delivered the one in flight, then stopped");
        sink.writable = true;
        s.onWritable();
        assertEquals(2, receives.size());
        assertTrue(
                sink.frames().get(0).contains("\"payload\":\"bTA=\""),
                sink.frames().get(0));
    }

    @Test
    void aFrameThatIsNoCommandClosesWith4003() {
        ReaderSession s = session(1);
        s.start(sink);
        s.onText("{\"messageId\":\"CAEQASAAMP////8H\"}");
        assertEquals(4003, sink.closeCode);
    }
    /**
     * A reader's drain completes at once with the last message id handed to the client; a receive still in flight
     * then delivers nothing (the reader reconnecting after that id reads it again).
     */
    @Test
    void aDrainedReaderSaysWhereItWasAndDeliversNothingMore() {
        ReaderSession s = session(10);
        s.start(sink);
        deliver(0);
        deliver(1);
        assertEquals(3, receives.size(), "a third receive in flight");
        CompletableFuture<String> drained = s.drain();
        assertTrue(drained.isDone());
        assertEquals(id(1), drained.join());
        deliver(2);
        assertEquals(2, sink.frames().size(), "nothing delivered after the drain");
        assertEquals(3, receives.size(), "and nothing more asked of the broker");
    }

    /** Closed while draining: the drain is over, with nowhere to resume from. */
    @Test
    void aDrainEndsWhenTheSessionCloses() {
        ReaderSession s = session(10);
        s.start(sink);
        s.close();
        assertEquals(null, s.drain().join());
    }
}
