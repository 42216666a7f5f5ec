package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.TopicMessageId;
import org.junit.jupiter.api.Test;

class OutstandingMessagesTest {

    /** A serialized MessageIdData: ledger, entry and, unless negative (the default, -1), partition. */
    private static MessageId id(int ledger, int entry, int partition) throws IOException {
        return MessageId.fromByteArray(
                partition < 0
                        ? new byte[] {8, (byte) ledger, 16, (byte) entry}
                        : new byte[] {8, (byte) ledger, 16, (byte) entry, 24, (byte) partition});
    }

    @Test
    void cumulativeAcksSettleOnlyTheirOwnPartition() throws IOException {
        OutstandingMessages out = new OutstandingMessages(100);
        out.put("p0-old", id(3, 1, 0));
        out.put("p0-new", id(9, 1, 0));
        out.put("p1-old", id(2, 5, 1)); // an older ledger, but another partition
        assertEquals(1, out.removeUpTo(id(5, 0, 0)), "only p0-old is at or before 5:0 on partition 0");
        assertEquals(2, out.size());
        assertEquals(1, out.removeStream(id(1, 1, 1)));
        assertEquals(1, out.clear());
    }

    @Test
    void topicsAreDifferentStreamsEvenWithEqualPartitions() throws IOException {
        MessageId a = TopicMessageId.create("persistent://public/default/a", id(3, 1, -1));
        MessageId b = TopicMessageId.create("persistent://public/default/b", id(3, 1, -1));
        assertFalse(OutstandingMessages.sameStream(a, b));
        assertTrue(OutstandingMessages.sameStream(
                a, TopicMessageId.create("persistent://public/default/a", id(4, 0, -1))));
    }
}
