package io.pulsarws.session.internal;

import io.pulsarws.codec.EndpointPath;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.pulsar.client.api.ConsumerCryptoFailureAction;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionMode;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.common.naming.TopicName;

/**
 * A consumer endpoint's path and query parameters, read and checked without touching Pulsar's client: every bad
 * value is an {@code IllegalArgumentException} (HTTP 400) before anything is created.
 *
 * @param multiTopic true for a v3 consumer: its ids carry their topic, acks are routed by it
 * @param topics the topics: the path's one, or a v3 consumer's {@code topics} list (null with a pattern)
 * @param pattern a v3 consumer's {@code topicsPattern}, or null
 * @param subscription the subscription name
 * @param window the push window ({@code receiverQueueSize}, bounded by the configuration)
 * @param type Exclusive unless the client asks
 * @param mode Durable unless the client asks
 * @param initialPosition or null (Latest)
 * @param ackTimeoutMillis 0 (none) or at least 1000
 * @param consumerName or null
 * @param priorityLevel or null
 * @param negativeAckRedeliveryDelayMillis or null
 * @param maxRedeliverCount with a dead-letter policy: more than 0; else null
 * @param deadLetterTopic the dead-letter topic, or null (none, or the client's default per topic for a v3 consumer)
 * @param cryptoFailureAction FAIL unless the client asks
 * @param pullMode true for {@code pullMode=true}
 * @param payloadFormat how frames carry payloads (beyond Pulsar)
 */
record ConsumerOptions(
        boolean multiTopic,
        List<String> topics,
        Pattern pattern,
        String subscription,
        int window,
        SubscriptionType type,
        SubscriptionMode mode,
        SubscriptionInitialPosition initialPosition,
        int ackTimeoutMillis,
        String consumerName,
        Integer priorityLevel,
        Integer negativeAckRedeliveryDelayMillis,
        Integer maxRedeliverCount,
        String deadLetterTopic,
        ConsumerCryptoFailureAction cryptoFailureAction,
        boolean pullMode,
        io.pulsarws.codec.PayloadFormat payloadFormat) {

    /** @return where an id without a topic belongs: the single topic of a v3 consumer that lists one, else null */
    String singleTopic() {
        return multiTopic && topics != null && topics.size() == 1 ? topics.get(0) : null;
    }

    /** @return the topics (or the pattern) for logs and statistics */
    String description() {
        return pattern != null ? "pattern " + pattern.pattern() : String.join(",", topics);
    }

    /** The longest {@code topicsPattern} accepted: a namespace and a regular expression of its topics. */
    static final int MAX_PATTERN_LENGTH = 512;

    /**
     * Refuses a {@code topicsPattern} that could make matching slow: the Pulsar client matches it against every topic
     * of the namespace, on its own threads, whenever the namespace's topics change. Refused: over {@value
     * #MAX_PATTERN_LENGTH} characters, back-references (they make matching exponential), and a quantified group that
     * itself contains a quantifier ({@code (a+)+}, {@code (x*y?)*}), the shape of catastrophic backtracking.
     *
     * @throws IllegalArgumentException with the reason, for a 400
     */
    static void checkPattern(String regex) {
        if (regex.length() > MAX_PATTERN_LENGTH) {
            throw new IllegalArgumentException(
                    "Invalid query params: topicsPattern is longer than " + MAX_PATTERN_LENGTH + " characters");
        }
        // per open group: whether it holds a quantifier so far
        java.util.ArrayDeque<boolean[]> groups = new java.util.ArrayDeque<>();
        boolean lastGroupQuantified = false; // the group that just closed held a quantifier
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            boolean closedNow = false;
            if (c == '\\') {
                char next = i + 1 < regex.length() ? regex.charAt(i + 1) : 0;
                if (!inClass && (next >= '1' && next <= '9' || next == 'k')) {
                    throw new IllegalArgumentException("Invalid query params: topicsPattern has a back-reference");
                }
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(') {
                groups.push(new boolean[1]);
            } else if (c == ')') {
                boolean[] g = groups.poll();
                lastGroupQuantified = g != null && g[0];
                if (lastGroupQuantified && !groups.isEmpty()) {
                    groups.peek()[0] = true; // an inner quantifier counts for the enclosing groups too
                }
                closedNow = true;
            } else if (c == '*' || c == '+' || c == '{' || c == '?') {
                boolean repeats = c != '?' || !(i > 0 && regex.charAt(i - 1) == '(');
                if (repeats && i > 0 && regex.charAt(i - 1) == ')' && lastGroupQuantified && c != '?') {
                    throw new IllegalArgumentException(
                            "Invalid query params: topicsPattern repeats a group that repeats (nested quantifiers)");
                }
                if (repeats && c != '?' && !groups.isEmpty()) {
                    groups.peek()[0] = true;
                }
            }
            if (!closedNow && c != '*' && c != '+' && c != '{' && c != '?') {
                lastGroupQuantified = false;
            }
        }
    }

    static ConsumerOptions parse(EndpointPath path, QueryParams q, SessionDefaults defaults) {
        List<String> topics = null;
        Pattern pattern = null;
        if (path.version() == 3) {
            String list = q.string("topics");
            String regex = q.string("topicsPattern");
            if ((list == null) == (regex == null)) {
                throw new IllegalArgumentException(
                        "Invalid query params: give exactly one of topics and topicsPattern");
            }
            if (list != null) {
                topics = new ArrayList<>();
                for (String t : list.split(",")) {
                    if (!t.isBlank()) {
                        topics.add(TopicName.get(t.trim()).toString());
                    }
                }
                if (topics.isEmpty()) {
                    throw new IllegalArgumentException("Invalid query params: topics is empty");
                }
                topics = List.copyOf(topics);
            } else {
                checkPattern(regex);
                try {
                    pattern = Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("Invalid query params: topicsPattern " + e.getDescription());
                }
            }
        } else {
            topics = List.of(path.topic());
        }
        SubscriptionType type = q.enumValue("subscriptionType", SubscriptionType.class);
        SubscriptionMode mode = q.enumValue("subscriptionMode", SubscriptionMode.class);
        Integer ackTimeout = q.integer("ackTimeoutMillis", 0, Integer.MAX_VALUE);
        if (ackTimeout != null && ackTimeout != 0 && ackTimeout < 1000) {
            throw new IllegalArgumentException("Invalid query params: ackTimeoutMillis must be 0 or >= 1000");
        }
        Integer maxRedeliver = q.integer("maxRedeliverCount", 0, Integer.MAX_VALUE);
        String deadLetter = q.string("deadLetterTopic");
        if ((maxRedeliver != null || deadLetter != null) && (maxRedeliver == null || maxRedeliver <= 0)) {
            throw new IllegalArgumentException("Invalid query params: MaxRedeliverCount must be > 0.");
        }
        return new ConsumerOptions(
                path.version() == 3,
                topics,
                pattern,
                path.subscription(),
                defaults.window(q),
                type == null ? SubscriptionType.Exclusive : type,
                mode == null ? SubscriptionMode.Durable : mode,
                q.enumValue("subscriptionInitialPosition", SubscriptionInitialPosition.class),
                ackTimeout == null ? 0 : ackTimeout,
                q.string("consumerName"),
                q.integer("priorityLevel", 0, Integer.MAX_VALUE),
                q.integer("negativeAckRedeliveryDelay", 0, Integer.MAX_VALUE),
                maxRedeliver != null && maxRedeliver > 0 ? maxRedeliver : null,
                deadLetterTopic(path, maxRedeliver, deadLetter),
                cryptoFailureAction(q),
                q.bool("pullMode", false),
                q.payloadFormat());
    }

    /**
     * @return the dead-letter topic a consumer with these parameters produces to, if it has one and a single topic
     *     names it (multi-topic consumers without {@code deadLetterTopic} use one per topic)
     */
    private static String deadLetterTopic(EndpointPath path, Integer maxRedeliver, String deadLetterTopic) {
        if (maxRedeliver == null || maxRedeliver <= 0) {
            return null;
        }
        if (deadLetterTopic != null) {
            return TopicName.get(deadLetterTopic).toString();
        }
        return path.topic() == null ? null : path.topic() + "-" + path.subscription() + "-DLQ";
    }

    /** {@code cryptoFailureAction}: FAIL (Pulsar's default), DISCARD or CONSUME; anything else is a 400. */
    static ConsumerCryptoFailureAction cryptoFailureAction(QueryParams q) {
        ConsumerCryptoFailureAction action = q.enumValue("cryptoFailureAction", ConsumerCryptoFailureAction.class);
        return action == null ? ConsumerCryptoFailureAction.FAIL : action;
    }
}
