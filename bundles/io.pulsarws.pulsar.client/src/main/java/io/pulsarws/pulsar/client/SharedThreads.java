package io.pulsarws.pulsar.client;

import org.apache.pulsar.client.api.ClientBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.impl.GatewaySharedThreads;

/**
 * One set of Pulsar client threads for many clients: clients built here add no thread, and each keeps its own
 * connections (a connection is authenticated once, with its client's credentials). Close it after its clients.
 */
public final class SharedThreads implements AutoCloseable {
    private final GatewaySharedThreads threads;

    /**
     * @param ioThreads threads of the event loop and of the internal and scheduled executors
     * @param name what the threads' names start with
     */
    public SharedThreads(int ioThreads, String name) {
        threads = new GatewaySharedThreads(ioThreads, name);
    }

    /** @return the client {@code configured} describes (a builder from {@code PulsarClient.builder()}), on these threads */
    public PulsarClient build(ClientBuilder configured) throws PulsarClientException {
        return threads.build(configured);
    }

    @Override
    public void close() {
        threads.close();
    }
}
