package io.pulsarws.session.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of PID {@code io.pulsarws.gateway}: which cluster to talk to and how. */
@ObjectClassDefinition(
        name = "Pulsar WebSocket gateway",
        description = "The Pulsar cluster the WebSocket gateway connects to. A change rebuilds the Pulsar client; "
                + "open WebSocket sessions are then closed with code 1001 (service restart) and can reconnect.")
@interface GatewayConfiguration {

    @AttributeDefinition(
            name = "Broker service URL",
            description = "Pulsar binary protocol URL(s), e.g. pulsar://broker1:6650,broker2:6650 or pulsar+ssl://... "
                    + "Leave empty to discover the cluster's brokers in the configuration store instead.")
    String serviceUrl() default "pulsar://localhost:6650";

    @AttributeDefinition(
            name = "Advertised listener",
            description = "The name of the brokers' advertised listener (broker setting advertisedListeners) whose "
                    + "addresses the gateway connects to after a topic lookup, when the brokers advertise several "
                    + "(e.g. one per network). Empty: the broker's default (internalListenerName).")
    String listenerName() default "";

    @AttributeDefinition(
            name = "Configuration store",
            description = "ZooKeeper servers of Pulsar's configuration store (zk:host:port,host:port[/chroot] or "
                    + "host:port,...). Used when serviceUrl is empty: the brokers of clusterName are read from it "
                    + "and followed live. Aliases: configurationStoreServers, globalZookeeperServers (the API "
                    + "page's name), zookeeperServers.")
    String configurationMetadataStoreUrl() default "";

    @AttributeDefinition(name = "Configuration store (alias)", description = "Alias of configurationMetadataStoreUrl.")
    String configurationStoreServers() default "";

    @AttributeDefinition(
            name = "Global ZooKeeper servers (alias)",
            description = "Alias of configurationMetadataStoreUrl, as the API page names it.")
    String globalZookeeperServers() default "";

    @AttributeDefinition(name = "ZooKeeper servers (alias)", description = "Alias of configurationMetadataStoreUrl.")
    String zookeeperServers() default "";

    @AttributeDefinition(
            name = "Configuration store session timeout (ms)",
            description = "ZooKeeper session timeout of the discovery.")
    int metadataStoreSessionTimeoutMillis() default 30_000;

    @AttributeDefinition(
            name = "Cluster name",
            description = "Name of the Pulsar cluster this gateway serves (the {cluster} of v1 paths).")
    String clusterName() default "standalone";

    @AttributeDefinition(
            name = "Operation timeout (ms)",
            description = "Timeout of producer/consumer creation and other broker operations; a handshake that "
                    + "takes longer is answered with HTTP 504.")
    int operationTimeoutMillis() default 30_000;

    @AttributeDefinition(name = "Connection timeout (ms)", description = "TCP connect timeout to a broker.")
    int connectionTimeoutMillis() default 10_000;

    @AttributeDefinition(name = "IO threads", description = "Netty IO threads of the Pulsar client.")
    int ioThreads() default 1;

    @AttributeDefinition(
            name = "Connections per broker",
            description = "TCP connections the client opens to each broker.")
    int connectionsPerBroker() default 1;

    @AttributeDefinition(
            name = "Producer memory (MB)",
            description = "The payload bytes of producer messages on their way to the brokers, for the whole node "
                    + "(every session and credential). A send beyond it waits: its session stops reading its "
                    + "client until bytes are freed, first come first served. Applied in place. 0: no limit "
                    + "(not recommended).")
    int memoryLimitMb() default 64;

    @AttributeDefinition(
            name = "Producer pending messages",
            description = "Default and upper bound of maxPendingMessages per producer session: at this many sends "
                    + "in flight the session stops reading its client until half are answered (TCP slows the "
                    + "client down; nothing is refused).")
    int maxPendingMessages() default 1000;

    @AttributeDefinition(
            name = "Consumer window",
            description = "Default and upper bound of receiverQueueSize: how many messages a push-mode consumer "
                    + "session may have delivered and not yet acknowledged.")
    int receiverQueueSize() default 1000;

    @AttributeDefinition(
            name = "Prefetch per session (bytes)",
            description = "What a consumer's or reader's receive queues hold ahead of its client: the gateway sizes "
                    + "them from the largest message seen so that they hold about this many bytes (Pulsar counts "
                    + "them in messages), and at least two messages. A session holding more than twice its "
                    + "allowance (its messages suddenly grew) is closed with 1008. Applied in place.")
    long maxPrefetchBytesPerSession() default 4_194_304;

    @AttributeDefinition(
            name = "Prefetch per principal (bytes)",
            description = "While the consumers and readers of one authenticated role (or, without authentication, "
                    + "one client address) hold this many bytes its clients have not read, it opens no more "
                    + "consumers or readers (429) and none of its queues grows. Applied in place.")
    long maxPrefetchBytesPerPrincipal() default 33_554_432;

    @AttributeDefinition(
            name = "Prefetch on the node (bytes)",
            description = "While all consumers and readers hold this many bytes, no queue grows and only principals "
                    + "holding nothing open consumers or readers (503 for the others). 0: an eighth of the heap. "
                    + "Applied in place.")
    long maxPrefetchBytes() default 0;

    @AttributeDefinition(
            name = "Broker authentication plugin",
            description = "Pulsar client Authentication class the gateway's own client uses toward the broker, e.g. "
                    + "org.apache.pulsar.client.impl.auth.AuthenticationToken. Empty: no authentication.")
    String brokerClientAuthenticationPlugin() default "";

    @AttributeDefinition(
            name = "Broker authentication parameters",
            type = AttributeType.PASSWORD,
            description = "The plugin's parameters, e.g. token:<jwt> or file:///path/to/token. A secret: never "
                    + "logged, shown or exported as a metric.")
    String brokerClientAuthenticationParameters() default "";

    @AttributeDefinition(
            name = "Authorize sessions at the broker",
            description = "When true (with authentication on the endpoints, PID io.pulsarws.security), each session's "
                    + "producer, consumer or reader connects to the broker with the client's own token, so the "
                    + "broker's grants decide and a refusal is answered with 403. Anonymous sessions then connect "
                    + "without credentials (the broker's anonymousUserRole applies). When false, every session uses "
                    + "the gateway's own client and credentials.")
    boolean authorizationEnabled() default false;

    @AttributeDefinition(
            name = "Maximum credential clients",
            description = "With authorizationEnabled, each distinct client role (or token, see credentialClientPer) "
                    + "needs a Pulsar client of its own: no thread (all share one set), a connection per broker it "
                    + "uses, its own bookkeeping. At most this many exist at once; a handshake of yet another role "
                    + "is refused with 503 until one is released. Applied in place.")
    int maxCredentialClients() default 10_000;

    @AttributeDefinition(
            name = "Credential clients per",
            description = "With authorizationEnabled: role (the default) shares one Pulsar client among all "
                    + "sessions of a role, presenting the role's token that expires last; token gives each "
                    + "distinct token its own client, for authorization providers that decide on token claims "
                    + "other than the role. Applied in place, to sessions opened after the change.")
    String credentialClientPer() default "role";

    @AttributeDefinition(
            name = "TLS trust certificates",
            description = "PEM file of the CA certificate(s) the brokers' TLS certificates are checked against "
                    + "(for pulsar+ssl:// URLs). Empty: the JVM's default trust store.")
    String tlsTrustCertsFilePath() default "";

    @AttributeDefinition(
            name = "TLS hostname verification",
            description = "Check that a broker's certificate names the host the gateway connects to.")
    boolean tlsHostnameVerificationEnable() default true;

    @AttributeDefinition(
            name = "Allow insecure TLS",
            description = "Accept any broker certificate (tests only: this disables the protection TLS gives).")
    boolean tlsAllowInsecureConnection() default false;
}
