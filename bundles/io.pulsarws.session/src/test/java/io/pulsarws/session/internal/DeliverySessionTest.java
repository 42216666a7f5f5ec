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

    private ReaderSession session(int window) {
        return session(
                window,
                Fakes.context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>()),
                io.pulsarws.codec.PayloadFormat.BASE64);
    }

    @SuppressWarnings("unchecked")
    private ReaderSession session(int window, SessionContext context, io.pulsarws.codec.PayloadFormat format) {
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
        return new ReaderSession(context, reader, "persistent://public/default/t", window, "test", format);
    }

    private void deliver(int i) {
        receives.get(receives.size() - 1).complete(Fakes.message(new MessageIdImpl(1, i, -1), ("m" + i).getBytes()));
    }

    private static String id(int entry) {
        return Base64.getEncoder().encodeToString(new MessageIdImpl(1, entry, -1).toByteArray());
    }

    /**
     * Issue 25: a message fanned out to several sessions of one node is encoded once. The second reader of the same
     * message in the same format gets the very frame the first made (taken from the node's shared frames); a reader
     * in another format, or the same message delivered again (another redelivery count), is encoded on its own.
     */
    @Test
    void aMessageFannedOutInOneFormatIsEncodedOnce() {
        SessionContext node = Fakes.context(new SendBudget(0), new BatchAcks(1 << 20, 1 << 20), new ArrayList<>());
        List<Fakes.Sink> sinks = new ArrayList<>();
        List<io.pulsarws.codec.PayloadFormat> formats = List.of(
                io.pulsarws.codec.PayloadFormat.BASE64,
                io.pulsarws.codec.PayloadFormat.BASE64,
                io.pulsarws.codec.PayloadFormat.TEXT);
        for (io.pulsarws.codec.PayloadFormat format : formats) {
            Fakes.Sink s = new Fakes.Sink();
            session(10, node, format).start(s);
            sinks.add(s);
            receives.get(receives.size() - 1).complete(Fakes.message(new MessageIdImpl(1, 7, -1), "shared".getBytes()));
        }
        String first = sinks.get(0).frames().get(0);
        assertTrue(first == sinks.get(1).frames().get(0), "the second reader sent the first one's frame");
        assertEquals(1, node.frames().hits());
        assertTrue(
                sinks.get(2).frames().get(0).contains("\"payload\":\"shared\""),
                sinks.get(2).frames().get(0));
        assertEquals(1, node.frames().hits(), "another format: encoded for it");

        Fakes.Sink again = new Fakes.Sink();
        session(10, node, io.pulsarws.codec.PayloadFormat.BASE64).start(again);
        receives.get(receives.size() - 1).complete(Fakes.message(new MessageIdImpl(1, 7, -1), "shared".getBytes(), 1));
        assertTrue(
                again.frames().get(0).contains("\"redeliveryCount\":1"),
                again.frames().get(0));
        assertEquals(1, node.frames().hits(), "delivered again: its own frame");
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
