/**
 * The transport for Pax Web 11 (Jetty 12, {@code jakarta.servlet} 6, Servlet Whiteboard 2.0). {@code
 * ServletExchange}, {@code Handshake}, {@code RouteServlet} and {@code Routes} are generated at build time from the Jetty 9.4
 * transport's sources ({@code javax.servlet} turned into {@code jakarta.servlet}); the upgrade servlet and the socket
 * adapter are written for Jetty 12's WebSocket API. No decision is taken here.
 */
package io.pulsarws.websocket.jetty12;
