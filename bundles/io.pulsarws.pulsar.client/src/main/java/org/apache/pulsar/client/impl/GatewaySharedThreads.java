package org.apache.pulsar.client.impl;

import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.ClientBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.util.ExecutorProvider;
import org.apache.pulsar.client.util.ScheduledExecutorProvider;
import org.apache.pulsar.common.util.netty.EventLoopUtil;
import org.apache.pulsar.shade.io.netty.channel.EventLoopGroup;
import org.apache.pulsar.shade.io.netty.util.HashedWheelTimer;
import org.apache.pulsar.shade.io.netty.util.concurrent.DefaultThreadFactory;

/**
 * One set of threads (IO event loop, timer, internal, listener, scheduled and lookup executors) for many Pulsar
 * clients: a client built here creates none of its own and closes none of these; each still has its own
 * connection pool, so clients with different credentials never share a connection. Pulsar 4.1.2 offers this as
 * {@code PulsarClientSharedResources}; 4.0 only through the builder of its implementation class, which is why this
 * sits in the client's package, inside this bundle only. The gateway uses it through
 * {@code io.pulsarws.pulsar.client.SharedThreads}.
 */
public final class GatewaySharedThreads implements AutoCloseable {
    private final EventLoopGroup io;
    private final HashedWheelTimer timer;
    private final ExecutorProvider internal;
    private final ExecutorProvider external;
    private final ScheduledExecutorProvider scheduled;
    private final ExecutorProvider lookup;

    /**
     * @param ioThreads threads of the event loop, the internal and the scheduled executors
     * @param name what the threads' names start with
     */
    public GatewaySharedThreads(int ioThreads, String name) {
        io = EventLoopUtil.newEventLoopGroup(ioThreads, false, new DefaultThreadFactory(name + "-io", true));
        timer = new HashedWheelTimer(new DefaultThreadFactory(name + "-timer", true), 1, TimeUnit.MILLISECONDS);
        internal = new ExecutorProvider(ioThreads, name + "-internal");
        external = new ExecutorProvider(1, name + "-listener");
        scheduled = new ScheduledExecutorProvider(ioThreads, name + "-scheduled");
        lookup = new ExecutorProvider(1, name + "-lookup");
    }

    /** @return a client configured by {@code configured} (a builder of this client), on these threads */
    public PulsarClient build(ClientBuilder configured) throws PulsarClientException {
        if (!(configured instanceof ClientBuilderImpl b)) {
            throw new PulsarClientException.InvalidConfigurationException("not a builder of this Pulsar client");
        }
        return PulsarClientImpl.builder()
                .conf(b.getClientConfigurationData())
                .eventLoopGroup(io)
                .timer(timer)
                .internalExecutorProvider(internal)
                .externalExecutorProvider(external)
                .scheduledExecutorProvider(scheduled)
                .lookupExecutorProvider(lookup)
                .build();
    }

    /** Stops the threads: only once every client built here is closed. */
    @Override
    public void close() {
        timer.stop();
        internal.shutdownNow();
        external.shutdownNow();
        scheduled.shutdownNow();
        lookup.shutdownNow();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
