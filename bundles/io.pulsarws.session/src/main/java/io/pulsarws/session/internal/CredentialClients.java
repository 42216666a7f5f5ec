package io.pulsarws.session.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * with the same token (in any of its equivalent spellings) share one, and the last session to close it closes the
 * client. A client without credentials serves anonymous sessions.
 *
 * <p>Bounded: at most {@code maxClients} exist at once (each holds threads and a connection per broker); a new
 * credential beyond that is refused. A client is built outside the lock, so one slow build holds up only the
 * handshakes that wait for that same credential.
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

    /** A new credential while {@code maxClients} are in use. */
    static final class TooManyException extends Exception {
        private static final long serialVersionUID = 1L;

        TooManyException(int max) {
            super(
                    "Too many distinct client credentials in use on this gateway node (maxCredentialClients=" + max
                            + "); retry later",
                    null,
                    false,
                    false);
        }
    }

    private final Factory factory;
    private final long closeTimeoutMillis;
    /** Guarded by {@code this}. */
    private final Map<String, Shared> clients = new HashMap<>();

    private boolean closed;

    CredentialClients(Factory factory, long closeTimeoutMillis) {
        this.factory = factory;
        this.closeTimeoutMillis = closeTimeoutMillis;
    }

    private static final class Shared {
        /** Completes once built (by the first session that needed it). */
        final CompletableFuture<PulsarClient> client = new CompletableFuture<>();

        int leases;
    }

    /** One session's use of a shared client; {@link #release} once. */
    final class Lease {
        private final String key;
        private final Shared shared;
        private final PulsarClient client;
        private boolean released;

        private Lease(String key, Shared shared, PulsarClient client) {
            this.key = key;
            this.shared = shared;
            this.client = client;
        }

        PulsarClient client() {
            return client;
        }

        void release() {
            synchronized (CredentialClients.this) {
                if (released) {
                    return;
                }
                released = true;
            }
            drop(key, shared);
        }
    }

    /**
     * @param token the client's token, or null for an anonymous client
     * @param maxClients how many clients may exist at once
     * @return a lease on the client for that credential, created if needed
     * @throws TooManyException when the credential is new and {@code maxClients} are in use
     */
    Lease acquire(String token, int maxClients) throws PulsarClientException, TooManyException {
        String key = token == null ? ANONYMOUS : canonical(token);
        Shared s;
        boolean build = false;
        synchronized (this) {
            if (closed) {
                throw new PulsarClientException.AlreadyClosedException("gateway is restarting");
            }
            s = clients.get(key);
            if (s == null) {
                if (clients.size() >= maxClients) {
                    throw new TooManyException(maxClients);
                }
                s = new Shared();
                clients.put(key, s);
                build = true;
            }
            s.leases++;
        }
        if (build) {
            try {
                s.client.complete(factory.create(token == null ? null : AuthenticationFactory.token(key)));
            } catch (PulsarClientException | RuntimeException e) {
                s.client.completeExceptionally(e);
            }
        }
        try {
            return new Lease(key, s, s.client.get(closeTimeoutMillis, TimeUnit.MILLISECONDS));
        } catch (Exception e) {
            drop(key, s);
            Throwable cause = e instanceof java.util.concurrent.ExecutionException || e instanceof CompletionException
                    ? e.getCause()
                    : e;
            if (cause instanceof InterruptedException || e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw cause instanceof PulsarClientException p ? p : new PulsarClientException(cause);
        }
    }

    /**
     * The same token in another spelling: JWT parts with or without their base64 padding, surrounding spaces.
     *
     * @return the token without padding or spaces
     */
    static String canonical(String token) {
        String[] parts = token.trim().split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            int end = parts[i].length();
            while (end > 0 && parts[i].charAt(end - 1) == '=') {
                end--;
            }
            parts[i] = parts[i].substring(0, end);
        }
        return String.join(".", parts);
    }

    /** Gives up one lease; the last one closes the client. */
    private void drop(String key, Shared s) {
        boolean last;
        synchronized (this) {
            last = --s.leases == 0 && clients.get(key) == s;
            if (last) {
                clients.remove(key);
            }
        }
        if (last) {
            s.client.thenAccept(c -> c.closeAsync().whenComplete((v, e) -> {
                if (e != null) {
                    LOG.debug("Closing a credential client failed: {}", e.toString());
                }
            }));
        }
    }

    /** @return how many credential clients exist */
    synchronized int size() {
        return clients.size();
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
            closing = clients.values().stream()
                    .map(s -> s.client.thenCompose(PulsarClient::closeAsync).exceptionally(e -> null))
                    .toArray(CompletableFuture[]::new);
            clients.clear();
        }
        try {
            CompletableFuture.allOf(closing).get(closeTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("Credential clients did not close cleanly: {}", e.toString());
        }
    }
}
