/** The node's drain: its schedule, the component behind {@code NodeDrain}, the node's stop, and its MBean. */
package io.pulsarws.websocket.internal.drain;
