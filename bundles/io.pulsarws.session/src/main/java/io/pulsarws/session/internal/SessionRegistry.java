package io.pulsarws.session.internal;

import io.pulsarws.session.SessionInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open sessions of the gateway and the credential lease each holds. Thread-safe: sessions are added by Jetty's
 * threads, forgotten by whichever thread closes them, and closed as a group by the cluster manager's control thread.
 */
final class SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final Set<AbstractSession> sessions = ConcurrentHashMap.newKeySet();
    /** Which credential client each session that has one holds; released when the session is forgotten. */
    private final Map<AbstractSession, CredentialClients.Lease> leases = new ConcurrentHashMap<>();

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
     * of a restart. Blocks up to the operation timeout while the clients close: call it on the control thread.
     *
     * @return how many sessions were closed
     */
    int closeAll(Cluster old) {
        int open = 0;
        // first mark the old clients closed, so that a handshake completing meanwhile is refused, not handed out
        old.credentialClients.markClosed();
        for (AbstractSession s : sessions) {
            if (s.owner() == old.client) {
                open++;
                s.closeSocket(PulsarGateway.CLOSE_SERVICE_RESTART, PulsarGateway.SERVICE_RESTART);
            }
        }
        old.close();
        return open;
    }
}
