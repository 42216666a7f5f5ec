/**
 * The transport for Pax Web 8 (Jetty 9.4, {@code javax.servlet}): thin adapters from the container's servlets and
 * WebSocket listener to the transport seam ({@code io.pulsarws.websocket.transport}). No decision is taken here.
 */
package io.pulsarws.websocket.jetty9;
