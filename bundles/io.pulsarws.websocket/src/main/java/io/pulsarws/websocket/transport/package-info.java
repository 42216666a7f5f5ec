/**
 * The transport seam: what the gateway's endpoints need from an HTTP and WebSocket container, and what a container
 * adapter calls into. Nothing here names a servlet or Jetty type; a transport bundle (one per container generation:
 * Jetty 9.4 through Pax Web 8, Jetty 12 through Pax Web 11) adapts its container to these interfaces and registers
 * the servlets, while every decision (origin, host, authentication, limits, the HTTP fallback, the operations pages)
 * stays on this side.
 *
 * <ul>
 *   <li>{@link io.pulsarws.websocket.transport.HttpRoute}: a plain HTTP path the gateway serves, as a service whose
 *       properties name its servlet patterns; the transport registers one servlet per route.
 *   <li>{@link io.pulsarws.websocket.transport.WebSocketEndpoint}: decides a handshake before the upgrade and hands
 *       the transport a {@link io.pulsarws.websocket.transport.WebSocketHandler} for the connection.
 *   <li>{@link io.pulsarws.websocket.transport.HttpExchange} and {@link io.pulsarws.websocket.transport.WebSocket}:
 *       a request and a connection as the transport presents them.
 * </ul>
 */
@Version("2.1.0")
package io.pulsarws.websocket.transport;

import org.osgi.annotation.versioning.Version;
