package io.pulsarws.websocket.drain;

import java.time.Duration;
import java.time.Instant;

/**
 * Where a node's drain stands.
 *
 * @param draining true from the start of a drain until {@link NodeDrain#resume}
 * @param since when the drain under way started, or null
 * @param period what the closing of the drain under way is spread over, or null
 * @param open the node's connections now: WebSockets, event streams and producer POSTs in progress
 * @param asked connections the drain under way has asked to close so far
 * @param closedByDrains connections closed by drains since the endpoints started
 */
public record DrainStatus(boolean draining, Instant since, Duration period, int open, int asked, long closedByDrains) {}
