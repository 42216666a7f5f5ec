package io.pulsarws.session.internal;

import io.pulsarws.codec.ConsumerCommand;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameException;
import io.pulsarws.codec.MessageIds;
import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.SessionInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.DeadLetterPolicy;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionMode;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.TopicMessageId;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer session: pushes messages of a subscription as frames and acknowledges to the broker only what the
 * client acknowledges, so whatever it never acked is redelivered to the next consumer of the subscription.
 */
final class ConsumerSession extends DeliverySession {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerSession.class);
    private static final String PARTITION_SUFFIX = "-partition-";

    private final Consumer<byte[]> consumer;
    /** v3: ids carry their topic and acks are routed by it. */
    private final boolean multiTopic;
    /** v3 with exactly one listed topic: where an id without a topic belongs. */
    private final String singleTopic;
    private final String subscription;
    private final SubscriptionType subscriptionType;
    private final SubscriptionMode subscriptionMode;
    /** The tenants of the topics this consumer reads (one, except for a v3 consumer of several topics). */
    private final java.util.Set<String> tenants;
    /** Set when the client asked to unsubscribe; the session ends with 1000 once the broker confirms. */
    private volatile boolean unsubscribing;

    private ConsumerSession(PulsarGateway gateway, Consumer<byte[]> consumer, FrameCodec codec, String topic,
            boolean multiTopic, String singleTopic, String subscription, SubscriptionType subscriptionType,
            SubscriptionMode subscriptionMode, boolean pullMode, int window, String remoteAddress) {
        super(gateway, codec, topic, remoteAddress, pullMode, window);
        this.consumer = consumer;
        this.multiTopic = multiTopic;
        this.singleTopic = singleTopic;
        this.subscription = subscription;
        this.subscriptionType = subscriptionType;
        this.subscriptionMode = subscriptionMode;
        java.util.Set<String> t = new java.util.HashSet<>();
        for (String name : topic.startsWith("pattern ") ? new String[] {topic.substring(8)} : topic.split(",")) {
            t.add(tenantOf(name.trim()));
        }
        this.tenants = java.util.Set.copyOf(t);
    }

    /**
     * @return the dead-letter topic a consumer with these parameters would produce to, if it has one and a single
     *         topic names it (multi-topic consumers without {@code deadLetterTopic} use one per topic)
     */
    static String deadLetterTopic(EndpointPath path, QueryParams q) {
        Integer maxRedeliver = q.integer("maxRedeliverCount", 0, Integer.MAX_VALUE);
        if (maxRedeliver == null || maxRedeliver <= 0) {
            return null;
        }
        String deadLetterTopic = q.string("deadLetterTopic");
        if (deadLetterTopic != null) {
            return TopicName.get(deadLetterTopic).toString();
        }
        return path.topic() == null ? null : path.topic() + "-" + path.subscription() + "-DLQ";
    }

    static CompletableFuture<ConsumerSession> create(PulsarGateway gateway, PulsarClient client, FrameCodec codec,
            EndpointPath path, QueryParams q, String remoteAddress) {
        int window = window(gateway, q);
        ConsumerBuilder<byte[]> b = client.newConsumer(Schema.BYTES)
                .subscriptionName(path.subscription())
                .receiverQueueSize(window);
        String description;
        String singleTopic = null;
        boolean multiTopic = path.version() == 3;
        if (multiTopic) {
            String topics = q.string("topics");
            String pattern = q.string("topicsPattern");
            if ((topics == null) == (pattern == null)) {
                throw new IllegalArgumentException("Invalid query params: give exactly one of topics and topicsPattern");
            }
            if (topics != null) {
                List<String> names = new ArrayList<>();
                for (String t : topics.split(",")) {
                    if (!t.isBlank()) {
                        names.add(TopicName.get(t.trim()).toString());
                    }
                }
                if (names.isEmpty()) {
                    throw new IllegalArgumentException("Invalid query params: topics is empty");
                }
                b.topics(names);
                singleTopic = names.size() == 1 ? names.get(0) : null;
                description = String.join(",", names);
            } else {
                try {
                    b.topicsPattern(Pattern.compile(pattern));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("Invalid query params: topicsPattern " + e.getDescription());
                }
                description = "pattern " + pattern;
            }
        } else {
            b.topic(path.topic());
            description = path.topic();
        }
        SubscriptionType requestedType = q.enumValue("subscriptionType", SubscriptionType.class);
        SubscriptionType type = requestedType == null ? SubscriptionType.Exclusive : requestedType;
        b.subscriptionType(type);
        SubscriptionMode requestedMode = q.enumValue("subscriptionMode", SubscriptionMode.class);
        SubscriptionMode mode = requestedMode == null ? SubscriptionMode.Durable : requestedMode;
        b.subscriptionMode(mode);
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
            String dlqTopic = deadLetterTopic(path, q);
            if (dlqTopic != null) {
                dlq.deadLetterTopic(dlqTopic);
            } // v3 without a name: the client's default, per topic
            b.deadLetterPolicy(dlq.build());
        }
        b.cryptoFailureAction(cryptoFailureAction(q));
        if (gateway.keyReader() != null) {
            b.cryptoKeyReader(gateway.keyReader());
        }
        boolean pull = q.bool("pullMode", false);
        String single = singleTopic;
        return b.subscribeAsync().thenApply(c -> new ConsumerSession(gateway, c, codec, description, multiTopic, single,
                path.subscription(), type, mode, pull, window, remoteAddress));
    }

    @Override
    protected CompletableFuture<Message<byte[]>> receiveNext() {
        return consumer.receiveAsync();
    }

    @Override
    protected boolean ending() {
        return unsubscribing;
    }

    @Override
    protected void handleText(String text) {
        ConsumerCommand cmd = decodeOrClose(text);
        if (cmd == null) {
            return;
        }
        MessageId id = null;
        try {
            if (cmd.messageId() != null) {
                boolean acking = cmd.type() == ConsumerCommand.Type.ACK
                        || cmd.type() == ConsumerCommand.Type.NEGATIVE_ACKNOWLEDGE;
                id = acking ? settle(cmd.messageId()) : null;
                if (id == null) {
                    id = parseId(cmd.messageIdBytes());
                }
            }
        } catch (FrameException e) {
            LOG.debug("Closing {}: {}", this, e.getMessage());
            closeSocket(e.error().closeCode(), e.getMessage());
            return;
        }
        try {
            switch (cmd.type()) {
                case ACK -> {
                    counters.acks.increment();
                    acknowledge(id);
                }
                case NEGATIVE_ACKNOWLEDGE -> {
                    counters.nacks.increment();
                    consumer.negativeAcknowledge(id);
                }
                case PERMIT -> {
                    if (pullMode) {
                        grant(cmd.permitMessages());
                    }
                }
                case UNSUBSCRIBE -> {
                    unsubscribing = true; // the pending receive fails once the subscription is gone: no 1011
                    consumer.unsubscribeAsync().whenComplete((v, e) -> {
                        forgetBatchAcks(); // a new subscription of that name starts from nothing acked
                        if (e == null) {
                            closeSocket(1000, "unsubscribed");
                        } else {
                            closeSocket(WebSocketError.UNKNOWN_ERROR.closeCode(),
                                    "unsubscribe failed: " + Refusals.reason(e));
                        }
                    });
                }
                case IS_END_OF_TOPIC -> send(codec.encodeEndOfTopic(consumer.hasReachedEndOfTopic()));
                case ACK_CUMULATIVE -> {
                    counters.acks.increment();
                    MessageId upTo = id;
                    consumer.acknowledgeCumulativeAsync(upTo).whenComplete((v, e) -> {
                        if (e == null) {
                            settleUpTo(upTo);
                            pump();
                        } else {
                            commandFailed("ackCumulative", e);
                        }
                    });
                }
                case SEEK -> {
                    MessageId seekTo = id;
                    CompletableFuture<Void> seek = id != null ? consumer.seekAsync(id) : consumer.seekAsync(cmd.timestamp());
                    seek.whenComplete((v, e) -> {
                        forgetBatchAcks(); // what was acked before the seek is unacked again at the broker
                        if (e == null) {
                            if (cmd.messageId() != null) {
                                settleStream(seekTo);
                            } else {
                                settleAll();
                            }
                            pump();
                        } else {
                            commandFailed("seek", e);
                        }
                    });
                }
                default -> throw new IllegalStateException("unhandled command " + cmd.type());
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            // the Pulsar client rejects an id that does not belong to this consumer (another topic or partition)
            LOG.debug("Closing {}: {} on {}", this, e.toString(), cmd.messageId());
            closeSocket(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON.closeCode(),
                    "messageId does not belong to this consumer");
            return;
        }
        pump();
    }

    /** Acks one message, and its whole batch entry once every message of the batch is acked (Pulsar #14242). */
    private void acknowledge(MessageId id) {
        consumer.acknowledgeAsync(id).whenComplete((v, e) -> {
            if (e != null) {
                LOG.debug("Ack on {} failed: {}", topic, e.toString());
            }
        });
        if (id instanceof MessageIdAdv adv && adv.getBatchIndex() >= 0) {
            String owner = ownerOf(id);
            if (gateway.batchAcks().ack(tenantOf(owner), owner, subscription, adv)) {
                MessageId entry = entryId(adv);
                consumer.acknowledgeAsync(multiTopic || adv.getPartitionIndex() >= 0
                        ? TopicMessageId.create(owner, entry) : entry);
            }
        }
    }

    /** The broker delivered this message: whatever was acked of it before counts no more (see BatchAcks). */
    @Override
    protected void delivered(Message<byte[]> m) {
        if (m.getMessageId() instanceof MessageIdAdv adv && adv.getBatchIndex() >= 0) {
            String owner = ownerOf(adv);
            gateway.batchAcks().delivered(tenantOf(owner), owner, subscription, adv);
        }
    }

    private void forgetBatchAcks() {
        for (String tenant : tenants) {
            gateway.batchAcks().forget(tenant, subscription);
        }
    }

    /** @return the tenant (or v1 property) of a topic name, {@code domain://tenant/...} */
    static String tenantOf(String topic) {
        int start = topic.indexOf("://");
        start = start < 0 ? 0 : start + 3;
        int end = topic.indexOf('/', start);
        return end < 0 ? topic.substring(start) : topic.substring(start, end);
    }

    private void commandFailed(String command, Throwable e) {
        LOG.debug("{} on {} failed: {}", command, this, e.toString());
        String reason = Refusals.reason(Refusals.unwrap(e));
        send(codec.encodeCommandError(command, WebSocketError.UNKNOWN_ERROR, reason));
    }


    private String ownerOf(MessageId id) {
        if (id instanceof TopicMessageId t) {
            return t.getOwnerTopic();
        }
        int partition = id instanceof MessageIdAdv adv ? adv.getPartitionIndex() : -1;
        return partition >= 0 && !topic.contains(PARTITION_SUFFIX) ? topic + PARTITION_SUFFIX + partition : topic;
    }

    private static MessageId entryId(MessageIdAdv id) {
        try {
            return MessageId.fromByteArray(MessageIds.entry(id.getLedgerId(), id.getEntryId(), id.getPartitionIndex()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: a well-formed entry id", e);
        }
    }

    @Override
    protected String clientId(Message<byte[]> m) {
        MessageId id = m.getMessageId();
        if (multiTopic && id instanceof TopicMessageId t) {
            return codec.encodeMessageId(MessageIds.withTopic(id.toByteArray(), t.getOwnerTopic()));
        }
        return super.clientId(m);
    }

    /**
     * An id that was not delivered on this session (another connection, an earlier one, or Pulsar's own service):
     * rebuilt from its bytes, with the topic that a multi-topic or partitioned consumer needs to route it.
     */
    private MessageId parseId(byte[] bytes) throws FrameException {
        MessageId id;
        String owner;
        try {
            id = MessageId.fromByteArray(bytes);
            owner = multiTopic ? MessageIds.topicOf(bytes) : null;
        } catch (IOException | RuntimeException e) {
            throw new FrameException(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                    "messageId is not a Pulsar message id", null);
        }
        if (owner == null && multiTopic) {
            if (singleTopic == null) {
                throw new FrameException(WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                        "messageId carries no topic; use the ids this gateway delivers", null);
            }
            owner = singleTopic;
        }
        if (owner == null) {
            owner = topic;
        }
        int partition = id instanceof MessageIdAdv adv ? adv.getPartitionIndex() : -1;
        if (partition >= 0 && !owner.contains(PARTITION_SUFFIX)) {
            owner = owner + PARTITION_SUFFIX + partition;
        }
        return multiTopic || partition >= 0 ? TopicMessageId.create(owner, id) : id;
    }

    @Override
    protected CompletableFuture<Void> closePulsar() {
        return consumer.closeAsync();
    }

    @Override
    SessionInfo info() {
        return info("consumer", subscription, subscriptionType.name(), subscriptionMode.name());
    }

    @Override
    public String toString() {
        return "consumer session on " + topic + " from " + remoteAddress;
    }
}
