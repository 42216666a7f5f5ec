/**
 * The HTTP fallback under {@code /http/...}, for networks that let no WebSocket through: Server-Sent Events for
 * consumers and readers, POSTed commands, and POSTed send frames, with the same admission as a WebSocket handshake.
 * Bodies are read and answers written without blocking a thread. Depends on the edge and security packages.
 */
package io.pulsarws.websocket.internal.fallback;
