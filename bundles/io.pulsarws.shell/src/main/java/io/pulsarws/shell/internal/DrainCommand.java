package io.pulsarws.shell.internal;

import io.pulsarws.websocket.drain.DrainStatus;
import io.pulsarws.websocket.drain.NodeDrain;
import java.time.Duration;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code pulsar-ws:drain}: takes this node out of service without dropping its clients at once ({@link NodeDrain}),
 * shows where a drain stands, or ends it.
 */
@Command(
        scope = "pulsar-ws",
        name = "drain",
        description = "Drains this gateway node: /ready answers 503 and new clients are refused with 503 at once, "
                + "open connections are closed with 1001 spread over the drain period, each once it owes its client "
                + "nothing")
@Service
public class DrainCommand implements Action {
    /** How much longer than the period --wait waits: each connection's time to finish, and a second. */
    private static final Duration FINISH = Duration.ofSeconds(11);

    @Reference(optional = true)
    NodeDrain drain;

    @Option(
            name = "-p",
            aliases = "--period",
            description = "Seconds the closing is spread over (default: drainPeriodSeconds of io.pulsarws.websocket)")
    Integer period;

    @Option(
            name = "-w",
            aliases = "--wait",
            description = "Wait until every connection is closed (at most the period and 11 s), then print the state")
    boolean await;

    @Option(name = "-s", aliases = "--status", description = "Print the state only")
    boolean status;

    @Option(name = "-r", aliases = "--resume", description = "End the drain: serve new clients again")
    boolean resume;

    @Override
    public Object execute() throws Exception {
        NodeDrain d = drain;
        if (d == null) {
            System.err.println("the gateway's endpoints are not active (no drain service)");
            return null;
        }
        if (period != null && period < 0) {
            System.err.println("--period cannot be negative");
            return null;
        }
        DrainStatus s;
        if (status) {
            s = d.status();
        } else if (resume) {
            s = d.resume();
        } else {
            s = d.start(period == null ? null : Duration.ofSeconds(period));
            if (await) {
                s = d.await(s.period().plus(FINISH));
            }
        }
        System.out.println(describe(s));
        return null;
    }

    static String describe(DrainStatus s) {
        String counts = s.open() + " connection(s) open, " + s.closedByDrains() + " closed by drains since the start";
        if (!s.draining()) {
            return "Not draining: serving new clients; " + counts;
        }
        return "Draining since " + s.since() + " over " + s.period().toSeconds() + " s: new clients refused, "
                + s.asked() + " connection(s) asked to close; " + counts;
    }
}
