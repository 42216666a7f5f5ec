package io.pulsarws.websocket.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pulsarws.session.SessionManager;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * Probes for orchestrators and load balancers. {@code /health} (liveness): 200 while the endpoints are served.
 * {@code /ready} (readiness): 200 only when the gateway has its Pulsar client and the broker answers it within
 * {@link #READY_TIMEOUT_SECONDS}; otherwise 503 with the reason. Both answer small JSON objects.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern({"/health", "/ready"})
@HttpWhiteboardServletName("pulsar-websocket-health")
public class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HealthServlet.class);
    static final int READY_TIMEOUT_SECONDS = 5;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile SessionManager sessions;

    private final transient JsonFactory json = new JsonFactory();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if ("/health".equals(req.getServletPath())) {
            answer(resp, 200, "UP", null);
            return;
        }
        SessionManager manager = sessions;
        if (manager == null) {
            answer(resp, 503, "NOT_READY", "no Pulsar client (the gateway is not configured or is restarting)");
            return;
        }
        try {
            manager.checkBroker().get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            answer(resp, 200, "READY", null);
        } catch (TimeoutException e) {
            answer(resp, 503, "NOT_READY", "the broker did not answer within " + READY_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            // the probe is open to anyone: the cause's message (broker host names and addresses) goes to the log only
            LOG.debug("/ready: broker unreachable: {}", cause.toString());
            answer(
                    resp,
                    503,
                    "NOT_READY",
                    "broker unreachable (" + cause.getClass().getSimpleName() + "; details in the gateway's log)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer(resp, 503, "NOT_READY", "interrupted");
        }
    }

    private void answer(HttpServletResponse resp, int status, String state, String reason) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setHeader("Cache-Control", "no-store");
        try (JsonGenerator g = json.createGenerator(resp.getOutputStream())) {
            g.writeStartObject();
            g.writeStringField("status", state);
            if (reason != null) {
                g.writeStringField("reason", reason);
            }
            g.writeEndObject();
        }
    }
}
