package io.pulsarws.session.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Authentication;
import org.apache.pulsar.client.api.AuthenticationFactory;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pulsar clients that connect with the clients' own credentials, when the broker authorizes each session.
 * Pulsar authenticates a TCP connection, not a producer, so every distinct token needs its own client; sessions
 * with the same token share one, and the last session to close it closes the client. A client without
 * credentials serves anonymous sessions.
 */
final class CredentialClients {
    private static final Logger LOG = LoggerFactory.getLogger(CredentialClients.class);
    private static final String ANONYMOUS = "";

    /** Builds a client with the given authentication and the gateway's other settings. */
    @FunctionalInterface
    interface Factory {
        /** @param authentication the credential, or null for none */
        PulsarClient create(Authentication authentication) throws PulsarClientException;
    }

    private final Factory factory;
    private final long closeTimeoutMillis;
    private final Map<String, Shared> clients = new HashMap<>();
    private boolean closed;

    CredentialClients(Factory factory, long closeTimeoutMillis) {
        this.factory = factory;
        this.closeTimeoutMillis = closeTimeoutMillis;
    }

    private static final class Shared {
        final PulsarClient client;
        int leases;

        Shared(PulsarClient client) {
            this.client = client;
        }
    }

    /** One session's use of a shared client; {@link #release} once. */
    final class Lease {
        private final String key;
        private final PulsarClient client;
        private boolean released;

        private Lease(String key, PulsarClient client) {
            this.key = key;
            this.client = client;
        }

        PulsarClient client() {
            return client;
        }

        void release() {
            PulsarClient toClose = null;
            synchronized (CredentialClients.this) {
                if (released) {
                    return;
                }
                released = true;
                Shared s = clients.get(key);
                if (s != null && s.client == client && --s.leases == 0) {
                    clients.remove(key);
                    toClose = client;
                }
            }
            if (toClose != null) {
                toClose.closeAsync().whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.debug("Closing a credential client failed: {}", e.toString());
                    }
                });
            }
        }
    }

    /**
     * @param token the client's token, or null for an anonymous client
     * @return a lease on the client for that credential, created if needed
     */
    Lease acquire(String token) throws PulsarClientException {
        String key = token == null ? ANONYMOUS : token;
        synchronized (this) {
            if (closed) {
                throw new PulsarClientException.AlreadyClosedException("gateway is restarting");
            }
            Shared s = clients.get(key);
            if (s == null) {
                Authentication auth = token == null ? null : AuthenticationFactory.token(token);
                s = new Shared(factory.create(auth));
                clients.put(key, s);
            }
            s.leases++;
            return new Lease(key, s.client);
        }
    }

    /** Refuses later acquires; the clients stay open until {@link #closeAll}. */
    synchronized void markClosed() {
        closed = true;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Closes every client, waiting for them up to the timeout; later acquires fail. */
    void closeAll() {
        CompletableFuture<?>[] closing;
        synchronized (this) {
            closed = true;
            closing = clients.values().stream().map(s -> s.client.closeAsync()).toArray(CompletableFuture[]::new);
            clients.clear();
        }
        try {
            CompletableFuture.allOf(closing).get(closeTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Credential clients did not close cleanly: {}", e.toString());
        }
    }
}
