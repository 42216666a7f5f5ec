package io.pulsarws.bench;

import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;

/**
 * The broker through Pulsar's native Java client, set up as the gateways set up their producers: no batching, one
 * message per entry, so that a send completes only when the broker has stored that message.
 */
final class NativeTarget implements Target {
    private final PulsarClient client;
    private final boolean batching;

    NativeTarget(String serviceUrl) {
        this(serviceUrl, false);
    }

    /** @param batching producers batch as both gateways do with {@code batchingEnabled=true} (1 ms delay) */
    NativeTarget(String serviceUrl, boolean batching) {
        this.batching = batching;
        try {
            client = PulsarClient.builder()
                    .serviceUrl(serviceUrl)
                    .ioThreads(1)
                    .connectionsPerBroker(1)
                    .operationTimeout(30, TimeUnit.SECONDS)
                    .build();
        } catch (PulsarClientException e) {
            throw new IllegalStateException("cannot create a Pulsar client for " + serviceUrl, e);
        }
    }

    @Override
    public ProducerLink producer(String topic, Results results) throws Exception {
        Producer<byte[]> p = client.newProducer(Schema.BYTES)
                .topic("persistent://public/default/" + topic)
                .enableBatching(batching)
                .batchingMaxPublishDelay(1, TimeUnit.MILLISECONDS)
                .blockIfQueueFull(true)
                .maxPendingMessages(1000)
                .create();
        return new ProducerLink() {
            @Override
            public void send(long context, byte[] payload) {
                p.sendAsync(payload)
                        .whenComplete((id, e) -> results.completed(
                                context, e == null ? null : String.valueOf(e.getCause() == null ? e : e.getCause())));
            }

            @Override
            public String closedBecause() {
                return p.isConnected() ? null : "producer disconnected";
            }

            @Override
            public void close() {
                p.closeAsync();
            }
        };
    }

    @Override
    public ConsumerLink consumer(String topic, String subscription, boolean shared, Deliveries deliveries)
            throws Exception {
        Consumer<byte[]> c = client.newConsumer(Schema.BYTES)
                .topic("persistent://public/default/" + topic)
                .subscriptionName(subscription)
                .subscriptionType(shared ? SubscriptionType.Shared : SubscriptionType.Exclusive)
                .receiverQueueSize(WebSocketTarget.RECEIVER_QUEUE)
                .messageListener((consumer, m) -> {
                    consumer.acknowledgeAsync(m);
                    deliveries.delivered(Frames.stamp(m.getData()));
                })
                .subscribe();
        return c::closeAsync;
    }

    /** Creates a durable subscription at the start of the topic (for a backlog that a consumer then drains). */
    void subscribe(String topic, String subscription) throws PulsarClientException {
        client.newConsumer(Schema.BYTES)
                .topic("persistent://public/default/" + topic)
                .subscriptionName(subscription)
                .subscriptionType(SubscriptionType.Shared)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .subscribe()
                .close();
    }

    /** Publishes {@code count} messages of {@code size} bytes, unbatched, with up to 1000 in flight. */
    void fill(String topic, int count, int size) throws Exception {
        try (Producer<byte[]> p = client.newProducer(Schema.BYTES)
                .topic("persistent://public/default/" + topic)
                .enableBatching(false)
                .blockIfQueueFull(true)
                .maxPendingMessages(1000)
                .create()) {
            for (int i = 0; i < count; i++) {
                p.sendAsync(Frames.payload(size, System.nanoTime()));
            }
            p.flush();
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (PulsarClientException e) {
            // closing at exit: nothing left to do
        }
    }
}
