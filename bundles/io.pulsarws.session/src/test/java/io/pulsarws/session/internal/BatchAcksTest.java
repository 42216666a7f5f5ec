package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.junit.jupiter.api.Test;

class BatchAcksTest {

    /** The bytes a Pulsar client writes for message {@code index} of a batch of {@code size} in entry 3:1. */
    private static MessageIdAdv batchId(int index, int size) throws IOException {
        byte[] bytes = {8, 3, 16, 1, 24, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 32, (byte) index, 48, (byte) size};
        return (MessageIdAdv) MessageId.fromByteArray(bytes);
    }

    @Test
    void completesABatchWhoseAcksCameAsSeparateIds() throws IOException {
        BatchAcks acks = new BatchAcks(10);
        assertFalse(acks.ack("t/sub", batchId(0, 3)));
        assertFalse(acks.ack("t/sub", batchId(2, 3)));
        assertFalse(acks.ack("t/sub", batchId(2, 3)), "a repeated ack does not count twice");
        assertFalse(acks.ack("t/other", batchId(1, 3)), "another subscription keeps its own count");
        assertTrue(acks.ack("t/sub", batchId(1, 3)));
        assertEquals(1, acks.size());
    }

    @Test
    void ignoresIdsOutsideBatchesAndStaysBounded() throws IOException {
        BatchAcks acks = new BatchAcks(2);
        assertFalse(acks.ack("t/sub", (MessageIdAdv) MessageId.fromByteArray(new byte[] {8, 3, 16, 0, 48, 0})));
        assertEquals(0, acks.size());
        for (int sub = 0; sub < 5; sub++) {
            acks.ack("t/sub" + sub, batchId(0, 2));
        }
        assertEquals(2, acks.size());
    }
}
