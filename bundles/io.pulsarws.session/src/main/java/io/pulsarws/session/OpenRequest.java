package io.pulsarws.session;

import io.pulsarws.codec.EndpointPath;
import java.util.Map;

/**
 * What a WebSocket handshake asks for.
 *
 * @param path the parsed endpoint path
 * @param params the query parameters, first value of each
 * @param remoteAddress the client's address, for logs and statistics
 */
public record OpenRequest(EndpointPath path, Map<String, String> params, String remoteAddress) {}
