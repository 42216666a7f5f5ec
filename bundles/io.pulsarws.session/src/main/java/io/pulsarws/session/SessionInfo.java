package io.pulsarws.session;

import java.time.Instant;

/**
 * A snapshot of one open gateway session, for statistics and the shell.
 *
 * @param id the session's id on this gateway, for {@link SessionManager#close}
 * @param kind {@code producer}, {@code consumer} or {@code reader}
 * @param topic the topic (for a v3 consumer, its topic list or pattern)
 * @param subscription the subscription of a consumer, otherwise null
 * @param subscriptionType the subscription type of a consumer ({@code Exclusive} for readers), otherwise null
 * @param subscriptionMode the subscription mode of a consumer, otherwise null
 * @param remoteAddress the client's address
 * @param messages messages published (producer) or delivered (consumer, reader) so far
 * @param role the authenticated role, or null when the endpoints do not authenticate
 * @param framesIn frames received from the client (messages to publish, acks and other commands)
 * @param pending sends waiting for the broker (producer), or messages delivered and not yet acknowledged
 *     (consumer, reader)
 * @param opened when the session was opened
 * @since 1.1.0
 */
public record SessionInfo(
        long id,
        String kind,
        String topic,
        String subscription,
        String subscriptionType,
        String subscriptionMode,
        String remoteAddress,
        long messages,
        String role,
        long framesIn,
        long pending,
        Instant opened) {}
