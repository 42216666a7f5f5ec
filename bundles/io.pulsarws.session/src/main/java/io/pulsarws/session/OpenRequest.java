package io.pulsarws.session;

import io.pulsarws.codec.EndpointPath;
import java.util.Map;

/**
 * What a WebSocket handshake asks for.
 *
 * @param path the parsed endpoint path
 * @param params the query parameters, first value of each
 * @param remoteAddress the client's address, for logs and statistics
 * @param identity the authenticated client, or null when the endpoint does not authenticate
 */
public record OpenRequest(
        EndpointPath path, Map<String, String> params, String remoteAddress, ClientIdentity identity) {

    /** A request from a client the endpoint did not authenticate. */
    public OpenRequest(EndpointPath path, Map<String, String> params, String remoteAddress) {
        this(path, params, remoteAddress, null);
    }
}
