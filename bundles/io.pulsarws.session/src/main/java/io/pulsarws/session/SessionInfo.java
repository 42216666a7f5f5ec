package io.pulsarws.session;

/**
 * A snapshot of one open gateway session, for statistics.
 *
 * @param kind {@code producer}, {@code consumer} or {@code reader}
 * @param topic the topic (for a v3 consumer, its topic list or pattern)
 * @param subscription the subscription of a consumer, otherwise null
 * @param subscriptionType the subscription type of a consumer ({@code Exclusive} for readers), otherwise null
 * @param subscriptionMode the subscription mode of a consumer, otherwise null
 * @param remoteAddress the client's address
 * @param messages messages published (producer) or delivered (consumer, reader) so far
 * @since 1.1.0
 */
public record SessionInfo(String kind, String topic, String subscription, String subscriptionType,
        String subscriptionMode, String remoteAddress, long messages) {}
