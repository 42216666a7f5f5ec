package org.apache.pulsar.client.impl;

/**
 * The gateway's access to the receive queues of its consumers and readers, which the client API does not expose:
 * how many bytes they hold, and how many messages each may ask the broker for ahead. It lives in the client's own
 * package, inside this bundle only (not exported), because the queue size is set through a protected method (the
 * one Pulsar's auto-scaled queues use). The gateway calls it through {@code io.pulsarws.pulsar.client.ReceiveQueues}.
 */
public final class GatewayReceiveQueues {
    private GatewayReceiveQueues() {}

    /** @return the consumer behind a consumer or reader of this client, or null for anything else */
    private static ConsumerBase<?> consumer(Object consumerOrReader) {
        if (consumerOrReader instanceof ReaderImpl<?> r) {
            return r.getConsumer();
        }
        if (consumerOrReader instanceof MultiTopicsReaderImpl<?> r) {
            return r.getMultiTopicsConsumer();
        }
        return consumerOrReader instanceof ConsumerBase<?> c ? c : null;
    }

    /** @return payload bytes received from the brokers and not yet taken, over every queue of it */
    public static long bytes(Object consumerOrReader) {
        ConsumerBase<?> c = consumer(consumerOrReader);
        if (c == null) {
            return 0;
        }
        long sum = c.getIncomingMessageSize();
        if (c instanceof MultiTopicsConsumerImpl<?> m) {
            for (ConsumerImpl<?> each : m.getConsumers()) {
                sum += each.getIncomingMessageSize();
            }
        }
        return sum;
    }

    /** @return messages received and not yet taken, over every queue of it */
    public static int messages(Object consumerOrReader) {
        ConsumerBase<?> c = consumer(consumerOrReader);
        return c == null ? 0 : c.numMessagesInQueue();
    }

    /** @return its queues: one, or for a consumer of several topics or partitions one per topic plus its own */
    public static int queues(Object consumerOrReader) {
        ConsumerBase<?> c = consumer(consumerOrReader);
        return c instanceof MultiTopicsConsumerImpl<?> m ? 1 + m.getConsumers().size() : 1;
    }

    /**
     * Sets how many messages each of its queues may hold: what the broker is given permits for from now on
     * (permits already given stay given).
     */
    public static void resize(Object consumerOrReader, int perQueue) {
        ConsumerBase<?> c = consumer(consumerOrReader);
        int size = Math.max(1, perQueue);
        if (c instanceof MultiTopicsConsumerImpl<?> m) {
            for (ConsumerImpl<?> each : m.getConsumers()) {
                if (each.getCurrentReceiverQueueSize() != size) {
                    each.setCurrentReceiverQueueSize(size);
                }
            }
        }
        if (c != null && c.getCurrentReceiverQueueSize() != size) {
            c.setCurrentReceiverQueueSize(size);
        }
    }
}
