package io.pulsarws.websocket.internal.operations;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pulsarws.session.SessionManager;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.transport.HttpExchange;
import io.pulsarws.websocket.transport.HttpRoute;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Probes for orchestrators and load balancers. {@code /health} (liveness): 200 while the endpoints are served.
 * {@code /ready} (readiness): 200 only when the node is not draining, has its Pulsar client and the broker answers it
 * within {@link #READY_TIMEOUT_SECONDS}; otherwise 503 with the reason ({@code DRAINING} or {@code NOT_READY}). Both answer small JSON objects.
 */
@Component(
        service = HttpRoute.class,
        immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {
            HttpRoute.NAME + "=pulsar-websocket-health",
            HttpRoute.PATTERN + "=/health",
            HttpRoute.PATTERN + "=/ready"
        })
public class HealthPage implements HttpRoute {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HealthPage.class);
    static final int READY_TIMEOUT_SECONDS = 5;
    /**
     * How long a broker answer serves later probes: a balancer checking every 500 ms (several balancers, more often)
     * costs the broker one lookup per this period, and the log one line of the Pulsar client's (it logs the probe
     * topic's "not found" as a WARN).
     */
    static final long REUSE_MILLIS = 2_000;

    /** The last broker check: shared while in flight, reused for {@link #REUSE_MILLIS} once it succeeded. */
    private CompletableFuture<Void> lastCheck;

    private long lastCheckNanos;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SessionManager sessions;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile KeepAlive keepAlive;

    private final JsonFactory json = new JsonFactory();

    @Override
    public void serve(HttpExchange x) throws IOException {
        if (!Plain.getOnly(x)) {
            return;
        }
        if ("/health".equals(x.path())) {
            answer(x, 200, "UP", null);
            return;
        }
        if (!keepAlive.connections().acceptingNew()) {
            // first: a balancer must stop sending new clients here at once, whatever the broker says
            answer(x, 503, "DRAINING", "the node is draining (pulsar-ws:drain, or stopping): new clients go elsewhere");
            return;
        }
        SessionManager manager = sessions;
        if (manager == null) {
            answer(x, 503, "NOT_READY", "no Pulsar client (the gateway is not configured or is restarting)");
            return;
        }
        try {
            checkBroker(manager).get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            answer(x, 200, "READY", null);
        } catch (TimeoutException e) {
            answer(x, 503, "NOT_READY", "the broker did not answer within " + READY_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // the probe is open to anyone: the cause's message (broker host names and addresses) goes to the log only
            LOG.debug("/ready: broker unreachable: {}", cause.toString());
            answer(
                    x,
                    503,
                    "NOT_READY",
                    "broker unreachable (" + cause.getClass().getSimpleName() + "; details in the gateway's log)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer(x, 503, "NOT_READY", "interrupted");
        }
    }

    /** @return the broker check in flight, or the last one if it succeeded within {@link #REUSE_MILLIS}, or a new one */
    private synchronized CompletableFuture<Void> checkBroker(SessionManager manager) {
        long now = System.nanoTime();
        CompletableFuture<Void> last = lastCheck;
        if (last != null
                && (!last.isDone()
                        || !last.isCompletedExceptionally()
                                && now - lastCheckNanos < TimeUnit.MILLISECONDS.toNanos(REUSE_MILLIS))) {
            return last;
        }
        lastCheck = manager.checkBroker();
        lastCheckNanos = now;
        return lastCheck;
    }

    private void answer(HttpExchange x, int status, String state, String reason) throws IOException {
        x.status(status);
        x.contentType("application/json");
        x.header("Cache-Control", "no-store");
        try (JsonGenerator g = json.createGenerator(x.body())) {
            g.writeStartObject();
            g.writeStringField("status", state);
            if (reason != null) {
                g.writeStringField("reason", reason);
            }
            g.writeEndObject();
        }
    }
}
