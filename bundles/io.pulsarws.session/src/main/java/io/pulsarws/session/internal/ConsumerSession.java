package io.pulsarws.session.internal;

import io.pulsarws.codec.ConsumerCommand;
import io.pulsarws.codec.EndpointPath;
import io.pulsarws.codec.FrameException;
import io.pulsarws.codec.MessageIds;
import io.pulsarws.codec.WebSocketError;
import io.pulsarws.session.SessionInfo;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.apache.pulsar.client.api.TopicMessageId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer session: pushes messages of a subscription as frames and acknowledges to the broker only what the
 * client acknowledges, so whatever it never acked is redelivered to the next consumer of the subscription.
 */
final class ConsumerSession extends DeliverySession {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerSession.class);
    private static final String PARTITION_SUFFIX = "-partition-";

    private final Consumer<?> consumer;
    /** What the client asked for (topics, subscription, type and mode; v3 ids carry their topic). */
    private final ConsumerOptions options;
    /** The subscription's name, kept apart because every ack and delivery uses it. */
    private final String subscription;
    /** The tenants of the topics this consumer reads (one, except for a v3 consumer of several topics). */
    private final java.util.Set<String> tenants;
    /** Set when the client asked to unsubscribe; the session ends with 1000 once the broker confirms. */
    private volatile boolean unsubscribing;

    ConsumerSession(SessionContext context, Consumer<?> consumer, ConsumerOptions o, String remoteAddress) {
        super(context, o.description(), remoteAddress, o.pullMode(), o.window(), o.payloadFormat());
        this.consumer = consumer;
        this.options = o;
        this.subscription = o.subscription();
        java.util.Set<String> t = new java.util.HashSet<>();
        for (String name : o.pattern() != null ? List.of(o.pattern().pattern()) : o.topics()) {
            t.add(tenantOf(name));
        }
        this.tenants = java.util.Set.copyOf(t);
    }

    @Override
    protected CompletableFuture<? extends Message<?>> receiveNext() {
        return consumer.receiveAsync();
    }

    @Override
    protected Object pulsarQueues() {
        return consumer;
    }

    @Override
    protected boolean ending() {
        return unsubscribing;
    }

    @Override
    protected void handleText(byte[] utf8, int offset, int length) {
        ConsumerCommand cmd = decodeOrClose(utf8, offset, length);
        if (cmd == null) {
            return;
        }
        MessageId id;
        try {
            id = messageId(cmd);
        } catch (FrameException e) {
            if (e.error() == WebSocketError.NOT_AUTHORIZED_ERROR) {
                // an id of a topic this session did not subscribe to: refused, nothing done, the session goes on
                LOG.debug("Refused on {}: {}", this, e.getMessage());
                send(codec.encodeCommandError(commandName(cmd.type()), e.error(), e.getMessage()));
                return;
            }
            LOG.debug("Closing {}: {}", this, e.getMessage());
            closeSocket(e.error().closeCode(), e.getMessage());
            return;
        }
        try {
            switch (cmd.type()) {
                case ACK -> ack(id);
                case NEGATIVE_ACKNOWLEDGE -> nack(id);
                case PERMIT -> permit(cmd.permitMessages());
                case UNSUBSCRIBE -> unsubscribe();
                case IS_END_OF_TOPIC -> send(codec.encodeEndOfTopic(consumer.hasReachedEndOfTopic()));
                case ACK_CUMULATIVE -> ackCumulative(id);
                case SEEK -> seek(id, cmd.timestamp());
                default -> throw new IllegalStateException("unhandled command " + cmd.type());
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            // the Pulsar client rejects an id that does not belong to this consumer (another topic or partition)
            LOG.debug("Closing {}: {} on {}", this, e.toString(), cmd.messageId());
            closeSocket(
                    WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON.closeCode(),
                    "messageId does not belong to this consumer");
            return;
        }
        pump();
    }

    /**
     * @return the command's message id, or null if it has none: for an ack or nack, the very object delivered on
     *     this session if it is still outstanding (which keeps batch-index acks working), else rebuilt from its bytes
     */
    private MessageId messageId(ConsumerCommand cmd) throws FrameException {
        if (cmd.messageId() == null) {
            return null;
        }
        boolean acking =
                cmd.type() == ConsumerCommand.Type.ACK || cmd.type() == ConsumerCommand.Type.NEGATIVE_ACKNOWLEDGE;
        MessageId delivered = acking ? settle(cmd.messageId()) : null;
        return delivered != null ? delivered : parseId(cmd.messageIdBytes());
    }

    private void ack(MessageId id) {
        counters.acks.increment();
        acknowledge(id);
    }

    private void nack(MessageId id) {
        counters.nacks.increment();
        consumer.negativeAcknowledge(id);
    }

    /** Pull mode: more credit (a counter; what it lets through still waits in the client's outbound budget). */
    private void permit(int permits) {
        if (pullMode) {
            grant(permits);
        }
    }

    private void unsubscribe() {
        unsubscribing = true; // the pending receive fails once the subscription is gone: no 1011
        consumer.unsubscribeAsync().whenComplete((v, e) -> {
            forgetBatchAcks(); // a new subscription of that name starts from nothing acked
            if (e == null) {
                closeSocket(1000, "unsubscribed");
            } else {
                closeSocket(WebSocketError.UNKNOWN_ERROR.closeCode(), "unsubscribe failed: " + Refusals.reason(e));
            }
        });
    }

    private void ackCumulative(MessageId upTo) {
        counters.acks.increment();
        consumer.acknowledgeCumulativeAsync(upTo).whenComplete((v, e) -> {
            if (e == null) {
                settleUpTo(upTo);
                pump();
            } else {
                commandFailed("ackCumulative", e);
            }
        });
    }

    /** To a message id (in its topic partition), or with a null id to a publish time (every partition). */
    private void seek(MessageId to, long timestamp) {
        CompletableFuture<Void> seek = to != null ? consumer.seekAsync(to) : consumer.seekAsync(timestamp);
        seek.whenComplete((v, e) -> {
            forgetBatchAcks(); // what was acked before the seek is unacked again at the broker
            if (e != null) {
                commandFailed("seek", e);
                return;
            }
            if (to != null) {
                settleStream(to);
            } else {
                settleAll();
            }
            pump();
        });
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
            if (context.batchAcks().ack(tenantOf(owner), owner, subscription, adv)) {
                MessageId entry = entryId(adv);
                consumer.acknowledgeAsync(
                        options.multiTopic() || adv.getPartitionIndex() >= 0
                                ? TopicMessageId.create(owner, entry)
                                : entry);
            }
        }
    }

    /**
     * The broker delivered this message: its batch is tracked with the broker's size, and whatever was acked of it
     * before counts no more (see BatchAcks).
     */
    @Override
    protected void delivered(Message<?> m) {
        if (m.getMessageId() instanceof MessageIdAdv adv && adv.getBatchIndex() >= 0) {
            String owner = ownerOf(adv);
            context.batchAcks().delivered(tenantOf(owner), owner, subscription, adv);
        }
    }

    private void forgetBatchAcks() {
        for (String tenant : tenants) {
            context.batchAcks().forget(tenant, subscription);
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
        return partitionOf(topic, id instanceof MessageIdAdv adv ? adv.getPartitionIndex() : -1);
    }

    /** @return the topic of a partition: {@code topic-partition-N}, or the topic itself if it names one or N is -1 */
    static String partitionOf(String topic, int partition) {
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
    protected String clientId(Message<?> m) {
        MessageId id = m.getMessageId();
        if (options.multiTopic() && id instanceof TopicMessageId t) {
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
            owner = options.multiTopic() ? MessageIds.topicOf(bytes) : null;
        } catch (IOException | RuntimeException e) {
            throw new FrameException(
                    WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON, "messageId is not a Pulsar message id", null);
        }
        if (owner == null && options.multiTopic()) {
            if (options.singleTopic() == null) {
                throw new FrameException(
                        WebSocketError.FAILED_TO_DESERIALIZE_FROM_JSON,
                        "messageId carries no topic; use the ids this gateway delivers",
                        null);
            }
            owner = options.singleTopic();
        }
        if (owner == null) {
            owner = topic;
        } else if (!owns(owner)) {
            throw new FrameException(
                    WebSocketError.NOT_AUTHORIZED_ERROR,
                    "messageId names a topic this session did not subscribe to",
                    null);
        }
        int partition = id instanceof MessageIdAdv adv ? adv.getPartitionIndex() : -1;
        return options.multiTopic() || partition >= 0 ? TopicMessageId.create(partitionOf(owner, partition), id) : id;
    }

    /**
     * @param owner a topic named by a client's message id (v3): a full name, possibly of one partition
     * @return true if it is one of this session's topics or a partition of one, or matches its pattern
     */
    boolean owns(String owner) {
        String base = owner;
        int p = owner.lastIndexOf(PARTITION_SUFFIX);
        if (p > 0 && isDigits(owner, p + PARTITION_SUFFIX.length())) {
            base = owner.substring(0, p);
        }
        if (options.pattern() == null) {
            return options.topics().contains(base) || options.topics().contains(owner);
        }
        // the pattern names the namespace it may match in; Pulsar matches it against the full name of the topic
        // (without the partition) and, in some versions, against the name without its domain
        int scheme = base.indexOf("://");
        return options.pattern().matcher(base).matches()
                || scheme > 0
                        && options.pattern().matcher(base.substring(scheme + 3)).matches();
    }

    private static boolean isDigits(String s, int from) {
        if (from >= s.length()) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** @return a command's name on the wire, as an error frame names it */
    private static String commandName(ConsumerCommand.Type type) {
        return switch (type) {
            case ACK -> "ack";
            case NEGATIVE_ACKNOWLEDGE -> "negativeAcknowledge";
            case PERMIT -> "permit";
            case UNSUBSCRIBE -> "unsubscribe";
            case IS_END_OF_TOPIC -> "isEndOfTopic";
            case ACK_CUMULATIVE -> "ackCumulative";
            case SEEK -> "seek";
        };
    }

    @Override
    protected CompletableFuture<Void> closePulsar() {
        return consumer.closeAsync();
    }

    @Override
    EndpointPath.Kind kind() {
        return EndpointPath.Kind.CONSUMER;
    }

    @Override
    SessionInfo info() {
        return info(subscription, options.type().name(), options.mode().name());
    }

    @Override
    public String toString() {
        return "consumer session on " + topic + " from " + remoteAddress;
    }
}
