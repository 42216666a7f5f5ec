package io.pulsarws.session.internal;

import io.pulsarws.session.SessionInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open sessions of the gateway and the credential lease each holds. Thread-safe: sessions are added by Jetty's
 * threads, forgotten by whichever thread closes them, and closed as a group by the cluster manager's control thread.
 */
final class SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    /** How long the sessions of a replaced cluster wait for their clients to answer the close frame. */
    static final long CLOSE_ANSWER_MILLIS = 2000;

    private final Set<AbstractSession> sessions = ConcurrentHashMap.newKeySet();
    /** Which credential client each session that has one holds; released when the session is forgotten. */
    private final Map<AbstractSession, CredentialClients.Lease> leases = new ConcurrentHashMap<>();
    /** {@link #CLOSE_ANSWER_MILLIS}, shorter in tests. */
    private final long closeAnswerMillis;

    SessionRegistry() {
        this(CLOSE_ANSWER_MILLIS);
    }

    SessionRegistry(long closeAnswerMillis) {
        this.closeAnswerMillis = closeAnswerMillis;
    }

    void add(AbstractSession session, CredentialClients.Lease lease) {
        if (lease != null) {
            leases.put(session, lease);
        }
        sessions.add(session);
    }

    /** The session is closed: it leaves the registry and gives its credential lease back. */
    void forget(AbstractSession session) {
        sessions.remove(session);
        CredentialClients.Lease lease = leases.remove(session);
        if (lease != null) {
            lease.release();
        }
    }

    /** @return a snapshot of every open session */
    List<SessionInfo> infos() {
        List<SessionInfo> infos = new ArrayList<>(sessions.size());
        for (AbstractSession s : sessions) {
            infos.add(s.info());
        }
        return infos;
    }

    /** Ends one session as an operator asks: close code 1000. @return false if no such session is open */
    boolean close(long id) {
        for (AbstractSession s : sessions) {
            if (s.id() == id) {
                LOG.info("Closing {} (id {}) on an operator's request", s, id);
                s.closeSocket(1000, "closed by operator");
                return true;
            }
        }
        return false;
    }

    /**
     * Closes the clients of a replaced or stopping cluster, and every session that used them, with the close code
     * of a restart. Each session's Pulsar side stays open until its client answers the close frame, at most
     * {@link #CLOSE_ANSWER_MILLIS}, so that acks a client sent before it read the close frame reach the broker.
     * Blocks that long, then up to the operation timeout while the clients close: call it on the control thread.
     *
     * @return how many sessions were closed
     */
    int closeAll(Cluster old) {
        // first mark the old clients closed, so that a handshake completing meanwhile is refused, not handed out
        old.credentialClients.markClosed();
        List<AbstractSession> ending = new ArrayList<>();
        for (AbstractSession s : sessions) {
            if (s.owner() == old.client) {
                ending.add(s);
                s.sendCloseFrame(PulsarGateway.CLOSE_SERVICE_RESTART, PulsarGateway.SERVICE_RESTART);
            }
        }
        if (!ending.isEmpty()) {
            try {
                CompletableFuture.allOf(
                                ending.stream().map(AbstractSession::ended).toArray(CompletableFuture[]::new))
                        .get(closeAnswerMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                LOG.debug("Not every client answered the close frame within {} ms", closeAnswerMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // ended() never fails
            }
            ending.forEach(AbstractSession::close); // those that did not answer in time
        }
        old.close();
        return ending.size();
    }
}
