package io.pulsarws.session.internal;

import java.io.IOException;
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
 * Pulsar authenticates a TCP connection, not a producer, so sessions of different roles need different clients.
 * Sessions share a client by key: by default the client's role, so that any number of tokens of one role (a user's
 * refreshed tokens, per-user tokens of a service account) cost one client and one connection per broker; or, in
 * per-token mode, the token itself (any of its equivalent spellings), for authorization providers that decide on
 * claims other than the role. A role's client presents the role's newest token: the one of its sessions' tokens
 * that expires last, so that the broker's re-authentication of a long-lived connection finds a valid token. The
 * last session to release a client closes it. A client without credentials serves anonymous sessions.
 *
 * <p>Bounded: at most {@code maxClients} exist at once (each holds a connection per broker it uses; the threads are
 * shared, see {@code SharedThreads}); a new key beyond that is refused. A client is built outside the lock, so one
 * slow build holds up only the handshakes that wait for that same key.
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

    /**
     * @param role the authenticated role, or null
     * @param token the client's token, or null for an anonymous client
     * @param perToken whether clients are shared by token rather than by role
     * @return the key sessions share a client by
     */
    static String key(String role, String token, boolean perToken) {
        if (token == null) {
            return ANONYMOUS;
        }
        return perToken || role == null ? "token " + canonical(token) : "role " + role;
    }

    /** A new credential while {@code maxClients} are in use. */
    static final class TooManyException extends Exception {
        private static final long serialVersionUID = 1L;

        TooManyException(int max) {
            super(
                    "Too many distinct client roles in use on this gateway node (maxCredentialClients=" + max
                            + "); retry later",
                    null,
                    false,
                    false);
        }
    }

    private final Factory factory;
    private final long closeTimeoutMillis;
    /**
     * Closes released clients one at a time. Pulsar's client starts two threads of its own for each close; a
     * thousand roles leaving at once would otherwise start two thousand threads together.
     */
    private final java.util.concurrent.ExecutorService closer =
            java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "pulsarws-credential-closer");
                t.setDaemon(true);
                return t;
            });
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
        /** The token the client presents (to connect, and when the broker asks again): the one expiring last. */
        private volatile String token;
        /** When {@link #token} expires, in epoch seconds; {@link Long#MAX_VALUE} for never. */
        private long expiry = Long.MIN_VALUE;

        /** Takes the token if it expires after the one held. Called under the lock of the clients. */
        void offer(String t) {
            long exp = expiry(t);
            if (token == null || exp > expiry) {
                token = t;
                expiry = exp;
            }
        }

        String token() {
            return token;
        }
    }

    /** @return the {@code exp} claim of a JWT, in epoch seconds; {@link Long#MAX_VALUE} without one */
    static long expiry(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length < 2) {
            return Long.MAX_VALUE;
        }
        try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory()
                .createParser(java.util.Base64.getUrlDecoder().decode(parts[1]))) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return Long.MAX_VALUE;
            }
            for (com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                    t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME;
                    t = p.nextToken()) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken v = p.nextToken();
                if ("exp".equals(name) && v.isNumeric()) {
                    return p.getLongValue();
                }
                p.skipChildren();
            }
        } catch (IOException | IllegalArgumentException e) {
            // validated already by the endpoint; a payload this cannot read is taken as never expiring
        }
        return Long.MAX_VALUE;
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
     * @param key what sessions share a client by ({@link #key})
     * @param token the client's token, or null for an anonymous client
     * @param maxClients how many clients may exist at once
     * @return a lease on the client for that key, created if needed
     * @throws TooManyException when the key is new and {@code maxClients} are in use
     */
    Lease acquire(String key, String token, int maxClients) throws PulsarClientException, TooManyException {
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
            if (token != null) {
                s.offer(canonical(token));
            }
        }
        if (build) {
            try {
                Shared shared = s;
                s.client.complete(factory.create(token == null ? null : AuthenticationFactory.token(shared::token)));
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
            s.client.thenAccept(c -> {
                Runnable close = () -> {
                    try {
                        c.closeAsync().get(closeTimeoutMillis, TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        if (e instanceof InterruptedException) {
                            Thread.currentThread().interrupt();
                        }
                        LOG.debug("Closing a credential client failed: {}", e.toString());
                    }
                };
                try {
                    closer.execute(close);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    c.closeAsync(); // released while the gateway closes everything: closed at once
                }
            });
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
        closer.shutdown();
        try {
            if (!closer.awaitTermination(closeTimeoutMillis, TimeUnit.MILLISECONDS)) {
                closer.shutdownNow();
            }
        } catch (InterruptedException e) {
            closer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
