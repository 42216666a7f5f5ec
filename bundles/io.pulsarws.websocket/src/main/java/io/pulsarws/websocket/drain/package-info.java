/**
 * Taking a node out of service without dropping its clients at once ("lame duck"): {@link
 * io.pulsarws.websocket.drain.NodeDrain}, used by the shell's {@code pulsar-ws:drain}, the {@code
 * io.pulsarws:type=Drain} MBean and the node's own stop.
 */
@Version("1.0.0")
package io.pulsarws.websocket.drain;

import org.osgi.annotation.versioning.Version;
