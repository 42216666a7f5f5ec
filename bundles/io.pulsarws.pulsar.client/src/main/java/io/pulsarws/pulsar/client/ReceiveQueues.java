package io.pulsarws.pulsar.client;

import org.apache.pulsar.client.impl.GatewayReceiveQueues;

/**
 * What the gateway reads and sets of a Pulsar consumer's or reader's receive queues beyond the client API: the
 * bytes they hold and how many messages they may hold. The gateway bounds its prefetch in bytes with it (Pulsar
 * counts a queue in messages). Any other object is read as an empty queue and cannot be resized.
 */
public final class ReceiveQueues {
    private ReceiveQueues() {}

    /** @return payload bytes received from the brokers for it and not yet taken */
    public static long bytes(Object consumerOrReader) {
        return GatewayReceiveQueues.bytes(consumerOrReader);
    }

    /** @return messages received for it and not yet taken */
    public static int messages(Object consumerOrReader) {
        return GatewayReceiveQueues.messages(consumerOrReader);
    }

    /** @return how many queues it has (one per topic or partition, plus one, for a consumer of several) */
    public static int queues(Object consumerOrReader) {
        return GatewayReceiveQueues.queues(consumerOrReader);
    }

    /** Sets how many messages each of its queues may hold from now on (at least 1). */
    public static void resize(Object consumerOrReader, int perQueue) {
        GatewayReceiveQueues.resize(consumerOrReader, perQueue);
    }
}
