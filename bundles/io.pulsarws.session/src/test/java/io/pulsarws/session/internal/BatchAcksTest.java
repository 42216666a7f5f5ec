package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.junit.jupiter.api.Test;

class BatchAcksTest {
    private static final String T = "persistent://a/ns/t";

    /** The bytes a Pulsar client writes for message {@code index} of a batch of {@code size} in entry 3:{@code entry}. */
    private static MessageIdAdv batchId(int entry, int index, int size) throws IOException {
        byte[] bytes = {
            8, 3, 16, (byte) entry, 24, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 32, (byte) index, 48, (byte) size
        };
        return (MessageIdAdv) MessageId.fromByteArray(bytes);
    }

    private static MessageIdAdv batchId(int index, int size) throws IOException {
        return batchId(1, index, size);
    }

    @Test
    void completesABatchWhoseAcksCameAsSeparateIds() throws IOException {
        BatchAcks acks = new BatchAcks(1 << 20, 1 << 20);
        assertFalse(acks.ack("a", T, "sub", batchId(0, 3)));
        assertFalse(acks.ack("a", T, "sub", batchId(2, 3)));
        assertFalse(acks.ack("a", T, "sub", batchId(2, 3)), "a repeated ack does not count twice");
        assertFalse(acks.ack("a", T, "other", batchId(1, 3)), "another subscription keeps its own count");
        assertFalse(acks.ack("a", T + "-partition-1", "sub", batchId(1, 3)), "so does another partition");
        assertTrue(acks.ack("a", T, "sub", batchId(1, 3)));
        assertEquals(2, acks.size());
    }

    @Test
    void ignoresIdsOutsideBatches() throws IOException {
        BatchAcks acks = new BatchAcks(1 << 20, 1 << 20);
        assertFalse(acks.ack("a", T, "sub", (MessageIdAdv) MessageId.fromByteArray(new byte[] {8, 3, 16, 0, 48, 0})));
        assertEquals(0, acks.size());
        assertTrue(acks.ack("a", T, "sub", batchId(0, 1)), "a batch of one is complete at once");
        assertEquals(0, acks.size());
    }

    /**
     * The loss: m1 and m2 acked, then the subscription deleted and created again; the new subscription
     * receives all three and acks only m3. Before, the old bits completed the batch and m1, m2 were lost.
     */
    @Test
    void acksBeforeAnUnsubscribeOrSeekNeverCount() throws IOException {
        BatchAcks acks = new BatchAcks(1 << 20, 1 << 20);
        acks.ack("a", T, "s", batchId(0, 3));
        acks.ack("a", T, "s", batchId(1, 3));
        acks.forget("a", "s");
        assertEquals(0, acks.bytes());
        assertFalse(acks.ack("a", T, "s", batchId(2, 3)), "m1 and m2 are unacked on the new subscription");
    }

    /** A redelivery (reconnect, ack timeout, cursor reset) makes the message unacked again at the broker. */
    @Test
    void aRedeliveryClearsThatMessagesAck() throws IOException {
        BatchAcks acks = new BatchAcks(1 << 20, 1 << 20);
        acks.ack("a", T, "s", batchId(0, 3));
        acks.ack("a", T, "s", batchId(1, 3));
        for (int i = 0; i < 3; i++) {
            acks.delivered("a", T, "s", batchId(i, 3)); // the whole entry comes again
        }
        assertFalse(acks.ack("a", T, "s", batchId(2, 3)));
        assertFalse(acks.ack("a", T, "s", batchId(0, 3)));
        assertTrue(acks.ack("a", T, "s", batchId(1, 3)), "complete once each was acked after the redelivery");
        acks.delivered("a", T, "other", batchId(0, 3)); // unknown: nothing to clear, nothing kept
        assertEquals(0, acks.size());
    }

    /** One tenant filling its share forgets its own oldest batches, never another tenant's. */
    @Test
    void eachTenantIsBoundedByBytesWithoutEvictingOthers() throws IOException {
        long perTenant = 10 * BatchAcks.cost(3);
        BatchAcks acks = new BatchAcks(100 * BatchAcks.cost(3), perTenant);
        acks.ack("quiet", T, "s", batchId(0, 0, 3));
        for (int entry = 0; entry < 50; entry++) {
            acks.ack("noisy", "persistent://noisy/ns/t", "s", batchId(entry, 0, 3));
        }
        assertEquals(11, acks.size(), "10 of the noisy tenant, 1 of the quiet one");
        assertEquals(11 * BatchAcks.cost(3), acks.bytes());
        acks.ack("quiet", T, "s", batchId(0, 1, 3));
        assertTrue(acks.ack("quiet", T, "s", batchId(0, 2, 3)), "the quiet tenant's batch survived");
    }

    /** Over the node's total, the largest tenant gives way. */
    @Test
    void theLargestTenantGivesWayAtTheNodeBound() throws IOException {
        BatchAcks acks = new BatchAcks(4 * BatchAcks.cost(3), 3 * BatchAcks.cost(3));
        acks.ack("small", T, "s", batchId(0, 0, 3));
        for (int entry = 0; entry < 3; entry++) {
            acks.ack("big", "persistent://big/ns/t", "s", batchId(entry, 0, 3));
        }
        acks.ack("small", T, "s", batchId(1, 0, 3)); // 5 batches: over the total of 4
        assertEquals(4, acks.size());
        assertEquals(4 * BatchAcks.cost(3), acks.bytes());
        acks.ack("small", T, "s", batchId(0, 1, 3));
        assertTrue(acks.ack("small", T, "s", batchId(0, 2, 3)), "the small tenant kept its state");
    }
}
