/**
 * The WebSocket endpoints: the handshake decision ({@code Endpoints}, the seam's {@code WebSocketEndpoint}) and one
 * {@code GatewaySocket} per connection, which moves frames between the transport and its gateway session with flow
 * control both ways. Depends on the edge and security packages; never on a container.
 */
package io.pulsarws.websocket.internal.websocket;
