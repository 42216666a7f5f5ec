package io.pulsarws.session.internal;

import io.pulsarws.codec.PayloadFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.DeadLetterPolicy;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;

/**
 * Builds the Pulsar consumer a consumer session's options describe: topics or pattern, subscription, redelivery,
 * dead letters, decryption.
 */
final class ConsumerSetup {
    private ConsumerSetup() {}

    /** Creates the Pulsar consumer the options describe; completes with the session, not yet started. */
    static CompletableFuture<ConsumerSession> create(
            SessionContext context, PulsarClient client, ConsumerOptions o, String remoteAddress) {
        // with payloadFormat=json the client also names each message's schema (AUTO_CONSUME decodes nothing itself:
        // the session reads the bytes); any other format takes the bytes as they are, as Pulsar's service does
        ConsumerBuilder<?> b = (o.payloadFormat() == PayloadFormat.JSON
                        ? client.newConsumer(Schema.AUTO_CONSUME())
                        : client.newConsumer(Schema.BYTES))
                .subscriptionName(o.subscription())
                // a few messages per queue until the first shows their size: Prefetch sizes them in bytes from then on
                .receiverQueueSize(Prefetch.MIN_QUEUE)
                .subscriptionType(o.type())
                .subscriptionMode(o.mode())
                .cryptoFailureAction(o.cryptoFailureAction());
        if (o.pattern() != null) {
            b.topicsPattern(o.pattern());
        } else if (o.multiTopic()) {
            b.topics(o.topics());
        } else {
            b.topic(o.topics().get(0));
        }
        if (o.initialPosition() != null) {
            b.subscriptionInitialPosition(o.initialPosition());
        }
        if (o.ackTimeoutMillis() > 0) {
            b.ackTimeout(o.ackTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        if (o.consumerName() != null) {
            b.consumerName(o.consumerName());
        }
        if (o.priorityLevel() != null) {
            b.priorityLevel(o.priorityLevel());
        }
        if (o.negativeAckRedeliveryDelayMillis() != null) {
            b.negativeAckRedeliveryDelay(o.negativeAckRedeliveryDelayMillis(), TimeUnit.MILLISECONDS);
        }
        if (o.maxRedeliverCount() != null) {
            DeadLetterPolicy.DeadLetterPolicyBuilder dlq =
                    DeadLetterPolicy.builder().maxRedeliverCount(o.maxRedeliverCount());
            if (o.deadLetterTopic() != null) {
                dlq.deadLetterTopic(o.deadLetterTopic());
            } // v3 without a name: the client's default, per topic
            b.deadLetterPolicy(dlq.build());
        }
        CryptoKeyReader keys = context.keyReader().get();
        if (keys != null) {
            b.cryptoKeyReader(keys);
        }
        return b.subscribeAsync().thenApply(c -> new ConsumerSession(context, c, o, remoteAddress));
    }
}
