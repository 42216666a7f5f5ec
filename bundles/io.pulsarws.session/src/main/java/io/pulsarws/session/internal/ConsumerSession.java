package io.pulsarws.session.internal;

import io.pulsarws.codec.ConsumerCommand;
import io.pulsarws.codec.DeliveredMessage;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameException;
import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.FrameSink;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.DeadLetterPolicy;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionMode;
import org.apache.pulsar.client.api.SubscriptionType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer session: pushes messages of a subscription as frames and acknowledges to the broker only what the
 * client acknowledges, so whatever it never acked is redelivered to the next consumer of the subscription.
 *
 * <p>Flow control is a credit count. Push mode starts with the window ({@code receiverQueueSize}) and gets a
 * credit back for each ack or nack of a message delivered on this session; pull mode starts at 0 and gets
 * credits only from {@code permit} commands. A message redelivered while it is still outstanding here costs no
 * second credit, so ack timeouts cannot drain the window (Pulsar #2731).
 */
final class ConsumerSession extends AbstractSession {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerSession.class);
    /** Bound of tracked outstanding ids; only a pull-mode client that never acks reaches it. */
    private static final int MAX_TRACKED_WITHOUT_ACKS = 100_000;

    private final Consumer<byte[]> consumer;
    private final FrameCodec codec;
    private final boolean pullMode;
    private final OutstandingMessages outstanding = new OutstandingMessages(MAX_TRACKED_WITHOUT_ACKS);
    private final AtomicInteger credits;
    /** True while one receiveAsync is in flight; at most one is, which keeps delivery in order. */
    private final AtomicBoolean receiving = new AtomicBoolean();

    private ConsumerSession(PulsarGateway gateway, Consumer<byte[]> consumer, FrameCodec codec, String topic,
            boolean pullMode, int window, String remoteAddress) {
        super(gateway, topic, remoteAddress);
        this.consumer = consumer;
        this.codec = codec;
        this.pullMode = pullMode;
        this.credits = new AtomicInteger(pullMode ? 0 : window);
    }

    static CompletableFuture<ConsumerSession> create(PulsarGateway gateway, PulsarClient client, FrameCodec codec,
            EndpointPath path, QueryParams q, String remoteAddress) {
        int maxWindow = gateway.receiverQueueSize();
        Integer queue = q.integer("receiverQueueSize", 0, Integer.MAX_VALUE);
        int window = Math.max(1, Math.min(queue == null ? maxWindow : queue, maxWindow));
        ConsumerBuilder<byte[]> b = client.newConsumer(Schema.BYTES)
                .topic(path.topic())
                .subscriptionName(path.subscription())
                .receiverQueueSize(window);
        SubscriptionType type = q.enumValue("subscriptionType", SubscriptionType.class);
        b.subscriptionType(type == null ? SubscriptionType.Exclusive : type);
        SubscriptionMode mode = q.enumValue("subscriptionMode", SubscriptionMode.class);
        if (mode != null) {
            b.subscriptionMode(mode);
        }
        SubscriptionInitialPosition position = q.enumValue("subscriptionInitialPosition",
                SubscriptionInitialPosition.class);
        if (position != null) {
            b.subscriptionInitialPosition(position);
        }
        Integer ackTimeout = q.integer("ackTimeoutMillis", 0, Integer.MAX_VALUE);
        if (ackTimeout != null && ackTimeout != 0) {
            if (ackTimeout < 1000) {
                throw new IllegalArgumentException("Invalid query params: ackTimeoutMillis must be 0 or >= 1000");
            }
            b.ackTimeout(ackTimeout, TimeUnit.MILLISECONDS);
        }
        String name = q.string("consumerName");
        if (name != null) {
            b.consumerName(name);
        }
        Integer priority = q.integer("priorityLevel", 0, Integer.MAX_VALUE);
        if (priority != null) {
            b.priorityLevel(priority);
        }
        Integer nackDelay = q.integer("negativeAckRedeliveryDelay", 0, Integer.MAX_VALUE);
        if (nackDelay != null) {
            b.negativeAckRedeliveryDelay(nackDelay, TimeUnit.MILLISECONDS);
        }
        Integer maxRedeliver = q.integer("maxRedeliverCount", 0, Integer.MAX_VALUE);
        String deadLetterTopic = q.string("deadLetterTopic");
        if (maxRedeliver != null || deadLetterTopic != null) {
            if (maxRedeliver == null || maxRedeliver <= 0) {
                throw new IllegalArgumentException("Invalid query params: MaxRedeliverCount must be > 0.");
            }
            DeadLetterPolicy.DeadLetterPolicyBuilder dlq = DeadLetterPolicy.builder().maxRedeliverCount(maxRedeliver);
            dlq.deadLetterTopic(deadLetterTopic != null ? deadLetterTopic
                    : path.topic() + "-" + path.subscription() + "-DLQ");
            b.deadLetterPolicy(dlq.build());
        }
        boolean pull = q.bool("pullMode", false);
        return b.subscribeAsync().thenApply(c -> new ConsumerSession(gateway, c, codec, path.topic(), pull, window,
                remoteAddress));
    }

    @Override
    public void start(FrameSink sink) {
        super.start(sink);
        pump();
    }

    @Override
    public void onText(String text) {
        ConsumerCommand cmd;
        MessageId id = null;
        try {
            cmd = codec.decodeConsumerCommand(text);
            if (cmd.messageId() != null) {
                id = outstanding.remove(cmd.messageId());
                if (id != null) {
                    if (!pullMode) {
                        credits.incrementAndGet();
                    }
                } else {
                    id = parseId(cmd.messageIdBytes());
                }
            }
        } catch (FrameException e) {
            LOG.debug("Closing {}: {}", this, e.getMessage());
            closeSocket(e.error().closeCode(), e.getMessage());
            return;
        }
        switch (cmd.type()) {
            case ACK -> consumer.acknowledgeAsync(id).whenComplete((v, e) -> {
                if (e != null) {
                    LOG.debug("Ack on {} failed: {}", topic, e.toString());
                }
            });
            case NEGATIVE_ACKNOWLEDGE -> consumer.negativeAcknowledge(id);
            case PERMIT -> {
                if (pullMode) {
                    credits.accumulateAndGet(cmd.permitMessages(), ConsumerSession::saturatedAdd);
                }
            }
            case UNSUBSCRIBE -> consumer.unsubscribeAsync().whenComplete((v, e) -> {
                if (e == null) {
                    closeSocket(1000, "unsubscribed");
                } else {
                    closeSocket(WebSocketError.UNKNOWN_ERROR.closeCode(),
                            "unsubscribe failed: " + Refusals.reason(e));
                }
            });
            case IS_END_OF_TOPIC -> send(codec.encodeEndOfTopic(consumer.hasReachedEndOfTopic()));
            default -> throw new IllegalStateException("unhandled command " + cmd.type());
        }
        pump();
    }

    private MessageId parseId(byte[] bytes) throws FrameException {
        try {
            return MessageId.fromByteArrayWithTopic(bytes, topic);
        } catch (IOException | RuntimeException e) {
            throw new FrameException(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                    "messageId is not a Pulsar message id", null);
        }
    }

    /** Starts receives while credits last; never more than one in flight, never recursing per message. */
    private void pump() {
        while (!isClosed() && sink != null && credits.get() > 0 && receiving.compareAndSet(false, true)) {
            if (credits.get() <= 0) {
                receiving.set(false);
                continue; // an ack may have added a credit between the two reads: the loop looks again
            }
            CompletableFuture<Message<byte[]>> next = consumer.receiveAsync();
            if (!next.isDone()) {
                next.whenComplete((m, e) -> {
                    if (received(m, e)) {
                        pump();
                    }
                });
                return;
            }
            Message<byte[]> m;
            try {
                m = next.join();
            } catch (CompletionException e) {
                received(null, e.getCause());
                return;
            }
            if (!received(m, null)) {
                return;
            }
        }
    }

    private boolean received(Message<byte[]> m, Throwable failure) {
        if (failure != null) {
            receiving.set(false);
            if (!isClosed()) {
                LOG.warn("Receive on {} failed, closing the session", this, failure);
                closeSocket(1011, "receive failed: " + Refusals.reason(failure));
            }
            return false;
        }
        String id = codec.encodeMessageId(m.getMessageId().toByteArray());
        if (outstanding.put(id, m.getMessageId())) {
            credits.decrementAndGet();
        }
        send(codec.encodeMessage(new DeliveredMessage(id, m.getData(), m.getProperties(), m.getPublishTime(),
                m.getRedeliveryCount(), m.getEventTime(), m.hasKey() ? m.getKey() : null)));
        receiving.set(false);
        return true;
    }

    private static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }

    @Override
    protected CompletableFuture<Void> closePulsar() {
        return consumer.closeAsync();
    }

    @Override
    public String toString() {
        return "consumer session on " + topic + " from " + remoteAddress;
    }
}
