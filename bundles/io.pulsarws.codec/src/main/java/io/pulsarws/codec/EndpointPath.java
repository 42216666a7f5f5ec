package io.pulsarws.codec;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A WebSocket request path of the API, parsed into what it opens:
 * <pre>
 * v1: /ws/{producer|consumer|reader}/{domain}/{property}/{cluster}/{namespace}/{topic...}[/{subscription}]
 * v2: /ws/v2/{producer|consumer|reader}/{domain}/{tenant}/{namespace}/{topic...}[/{subscription}]
 * v3: /ws/v3/consumer/{subscription}   (topics come from the query: topics=a,b or topicsPattern=regex)
 * </pre>
 * Each segment is percent-decoded on its own, so {@code %2F} puts a slash into a topic name; a producer's or
 * reader's topic may also span several segments, which are joined with {@code /}. A consumer's last segment is
 * its subscription.
 *
 * @param kind what the path opens
 * @param version 1, 2 or 3
 * @param topic the full topic name, for example {@code persistent://public/default/t}; null for v3
 * @param subscription the subscription for consumers, otherwise null
 */
public record EndpointPath(Kind kind, int version, String topic, String subscription) {

    /** What a WebSocket session is for. */
    public enum Kind {
        /** Publishes the client's messages. */
        PRODUCER,
        /** Delivers messages of a subscription and takes acknowledgements. */
        CONSUMER,
        /** Delivers messages from a position without a durable subscription. */
        READER;

        private final String label = name().toLowerCase(java.util.Locale.ROOT);

        /**
         * @return the name as paths, statistics and the shell write it: {@code producer}, {@code consumer} or
         *     {@code reader}
         * @since 2.1.0
         */
        public String label() {
            return label;
        }
    }

    /**
     * @param path the request path without the servlet context path, still percent-encoded
     * @return the parsed path
     * @throws IllegalArgumentException with a reason suitable for an HTTP 400 answer
     */
    public static EndpointPath parse(String path) {
        String[] raw = path.split("/", -1);
        List<String> seg = new ArrayList<>(raw.length);
        for (String s : raw) {
            seg.add(decode(s));
        }
        // seg[0] is the empty string before the leading slash
        if (seg.size() < 2 || !seg.get(0).isEmpty() || !"ws".equals(seg.get(1))) {
            throw new IllegalArgumentException("path must start with /ws/");
        }
        if (seg.size() > 2 && "v3".equals(seg.get(2))) {
            return parseV3(seg);
        }
        int i = 2;
        int version = 1;
        if (seg.size() > i && "v2".equals(seg.get(i))) {
            version = 2;
            i++;
        }
        if (seg.size() <= i) {
            throw new IllegalArgumentException("missing producer, consumer or reader in the path");
        }
        Kind kind = switch (seg.get(i)) {
            case "producer" -> Kind.PRODUCER;
            case "consumer" -> Kind.CONSUMER;
            case "reader" -> Kind.READER;
            default -> throw new IllegalArgumentException("unknown endpoint '" + ClientText.quote(seg.get(i)) + "'");
        };
        i++;
        int namespaceParts = version == 1 ? 3 : 2; // property/cluster/namespace or tenant/namespace
        if (seg.size() <= i + namespaceParts + 1) {
            throw new IllegalArgumentException("Invalid topic name format: expected "
                    + (version == 1
                            ? "{domain}/{property}/{cluster}/{namespace}/{topic}"
                            : "{domain}/{tenant}/{namespace}/{topic}"));
        }
        String domain = seg.get(i++);
        if (!"persistent".equals(domain) && !"non-persistent".equals(domain)) {
            throw new IllegalArgumentException(
                    "domain must be persistent or non-persistent, not '" + ClientText.quote(domain) + "'");
        }
        StringBuilder topic = new StringBuilder(domain).append("://");
        for (int n = 0; n < namespaceParts; n++, i++) {
            String part = seg.get(i);
            if (part.isEmpty() || part.contains("/")) {
                throw new IllegalArgumentException("Invalid topic name format: empty or invalid namespace part");
            }
            topic.append(part).append('/');
        }
        int end = seg.size();
        String subscription = null;
        if (kind == Kind.CONSUMER) {
            subscription = seg.get(end - 1);
            if (subscription.isEmpty()) {
                throw new IllegalArgumentException("Empty subscription name");
            }
            end--;
        }
        StringBuilder local = new StringBuilder();
        for (; i < end; i++) {
            if (!seg.get(i).isEmpty()) {
                if (local.length() > 0) {
                    local.append('/');
                }
                local.append(seg.get(i));
            }
        }
        if (local.length() == 0) {
            throw new IllegalArgumentException("Invalid topic name format: empty topic");
        }
        return new EndpointPath(kind, version, topic.append(local).toString(), subscription);
    }

    private static EndpointPath parseV3(List<String> seg) {
        if (seg.size() != 5 || !"consumer".equals(seg.get(3))) {
            throw new IllegalArgumentException("v3 path must be /ws/v3/consumer/{subscription}");
        }
        if (seg.get(4).isEmpty()) {
            throw new IllegalArgumentException("Empty subscription name");
        }
        return new EndpointPath(Kind.CONSUMER, 3, null, seg.get(4));
    }

    private static String decode(String segment) {
        // URLDecoder would turn '+' into a space, which is not what a path means
        String decoded;
        try {
            decoded = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("malformed percent-encoding in the path");
        }
        // no topic or subscription name has them, and they would forge log lines
        if (decoded.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("control characters in the path");
        }
        return decoded;
    }
}
