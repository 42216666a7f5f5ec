package io.pulsarws.websocket.drain;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Drains this gateway node: from the start, {@code /ready} answers 503 and new WebSocket handshakes, event streams
 * and producer POSTs are refused with 503 and {@code Retry-After}, so that a load balancer sends new clients to the
 * other nodes; the connections open at the start are then closed a few at a time, spread evenly over the period,
 * each once it owes its client nothing (every send read answered, every delivery acknowledged, within a bound), with
 * close code 1001 and a reason that says to reconnect elsewhere (a reader's also says the last message id it was
 * sent). Commands for event streams still open are served until they close.
 */
@ProviderType
public interface NodeDrain {

    /**
     * Starts draining, or reports the drain under way (whose period stays as it was).
     *
     * @param period how long the closing is spread over; null for the configured {@code drainPeriodSeconds}
     * @return the state right after the start
     */
    DrainStatus start(Duration period);

    /**
     * Serves new clients again: {@code /ready} and handshakes as before the drain. Connections already asked to
     * close still close; those not reached yet stay open.
     *
     * @return the state right after
     */
    DrainStatus resume();

    /** @return the state now */
    DrainStatus status();

    /**
     * Waits until no connection is open or {@code timeout} has passed.
     *
     * @return the state then
     */
    DrainStatus await(Duration timeout) throws InterruptedException;
}
