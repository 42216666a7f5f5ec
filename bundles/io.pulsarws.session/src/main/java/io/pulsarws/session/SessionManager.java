package io.pulsarws.session;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** Opens gateway sessions on the Pulsar cluster the gateway is configured for. */
@ProviderType
public interface SessionManager {

    /**
     * Creates the Pulsar producer or consumer a WebSocket session asks for, before the WebSocket upgrade is
     * accepted, so that a refusal can still be answered with an HTTP status. Blocks at most for the configured
     * operation timeout.
     *
     * @param request what to open
     * @return the session, not yet started
     * @throws OpenRefusedException with the HTTP status and short reason to answer the handshake with
     */
    GatewaySession open(OpenRequest request) throws OpenRefusedException;

    /**
     * @return a snapshot of the open sessions
     * @since 1.1.0
     */
    List<SessionInfo> sessions();

    /**
     * @return totals per namespace since the gateway (its current Pulsar client) started
     * @since 1.2.0
     */
    List<NamespaceCounters> counters();
}
