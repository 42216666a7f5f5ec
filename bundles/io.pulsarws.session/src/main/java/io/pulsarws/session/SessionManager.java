package io.pulsarws.session;

import java.util.List;
import java.util.concurrent.CompletableFuture;
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
     * Opens a session as {@link #open} does, without a thread waiting for the broker: what can be refused at once
     * (the topic's name, the options, the credentials) fails the future before this returns; the rest completes it
     * on a Pulsar client thread (keep the work done there short). A caller that no longer wants the session (its
     * client went away meanwhile) must close it.
     *
     * @param request what to open
     * @return completes with the session, not yet started, or fails with an {@link OpenRefusedException} (possibly
     *     wrapped in a {@link java.util.concurrent.CompletionException}) giving the HTTP status and short reason
     * @since 2.5.0
     */
    CompletableFuture<GatewaySession> openAsync(OpenRequest request);

    /**
     * @return a snapshot of the open sessions
     * @since 1.1.0
     */
    List<SessionInfo> sessions();

    /**
     * Ends a session from the gateway's side, as an operator would: the client gets close code 1000 with the
     * reason {@code closed by operator}.
     *
     * @param id the session's id
     * @return false if no such session is open
     * @since 1.3.0
     */
    boolean close(long id);

    /**
     * @return the gateway configuration in force (which may differ from the stored one after a rejected change),
     *     in a fixed order, secrets flagged and masked
     * @since 2.0.0
     */
    List<Setting> effectiveConfiguration();

    /**
     * @return totals per namespace since the gateway started
     * @since 1.2.0
     */
    List<NamespaceCounters> counters();

    /**
     * Asks the broker something harmless (the partitions of a topic, without creating anything) with the
     * gateway's own client and credentials.
     *
     * @return completes when the broker answered (with the partitions or with "not found"); fails with the reason
     *         when it cannot be reached, refuses the gateway's credentials, or does not answer in time
     * @since 1.3.0
     */
    CompletableFuture<Void> checkBroker();
}
