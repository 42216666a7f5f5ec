/** The WebSocket endpoints: a whiteboard servlet that decides each handshake, and one socket object per connection. */
package io.pulsarws.websocket.internal;
