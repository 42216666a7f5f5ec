/**
 * What every request and connection at the edge shares, whatever its kind: the endpoints' settings, the session
 * limits per node, address and principal, the outbound byte budgets and writer threads ({@code KeepAlive},
 * {@code Outbound}), reading the query and refusing a handshake, UTF-8 and fragment checks, and the counters and
 * refusal reports the operations pages show. Depends on no other package of this bundle.
 */
package io.pulsarws.websocket.internal.edge;
