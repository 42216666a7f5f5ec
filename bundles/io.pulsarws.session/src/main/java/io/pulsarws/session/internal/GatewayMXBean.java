package io.pulsarws.session.internal;

/** JMX view of the gateway, {@code io.pulsarws:type=Gateway}: the same figures as the shell and {@code /metrics}. */
public interface GatewayMXBean {
    int getOpenSessions();

    int getProducerSessions();

    int getConsumerSessions();

    int getReaderSessions();

    /** @return sends in flight plus messages delivered and not yet acknowledged, over all sessions */
    long getPendingMessages();

    String getServiceUrl();

    /** @return the configuration in force, as {@code pulsar-ws:config} shows it: secrets masked */
    java.util.Map<String, String> getConfiguration();

    /** @return payload bytes of producer messages on their way to the brokers ({@code memoryLimitMb} bounds it) */
    long getProducerBytesInFlight();

    /** @return sends waiting for producer memory (their sessions' clients are not read meanwhile) */
    int getSendsWaitingForMemory();

    /** @return sends that had to wait for producer memory, since the gateway started */
    long getSendsThatWaitedForMemory();

    /** @return bytes of batch-ack bookkeeping (32 MiB at most) */
    long getBatchAckBytes();

    /**
     * @return Pulsar clients with clients' credentials ({@code authorizationEnabled}): one per role, or per token
     *     with {@code credentialClientPer=token}; they share one set of threads
     */
    int getCredentialClients();

    /** @return producers of finished HTTP POSTs kept idle for the next POST (about 2 s, 256 at most) */
    int getIdleHttpProducers();

    /** @return HTTP POSTs that took an idle producer instead of creating one, since the gateway started */
    long getHttpProducersReused();

    /**
     * @return payload bytes consumers and readers have received from the brokers and their clients have not read
     *     yet, at the last check (every 100 ms; {@code maxPrefetchBytes} bounds it)
     */
    long getPrefetchedBytes();

    /** @return sessions closed because their prefetch grew past twice their window, since the gateway started */
    long getSessionsClosedForPrefetch();

    /**
     * @param id a session id, as listed by {@code pulsar-ws:sessions}
     * @return true if the session was open and is now closed
     */
    boolean closeSession(long id);
}
