package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.WebSocketEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.servlet.Servlet;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.eclipse.jetty.websocket.servlet.ServletUpgradeRequest;
import org.eclipse.jetty.websocket.servlet.ServletUpgradeResponse;
import org.eclipse.jetty.websocket.servlet.WebSocketServlet;
import org.eclipse.jetty.websocket.servlet.WebSocketServletFactory;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The {@code /ws/*} servlet on Jetty 9.4: an upgrade request is handed to the {@link WebSocketEndpoint}, which
 * decides it (and answers a refusal) before Jetty upgrades; a plain request gets Jetty's 405, as Pulsar's service
 * answers. The reference is dynamic, so the whiteboard registration never changes with the gateway's configuration.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern(WebSocketEndpoint.PATTERN)
@HttpWhiteboardServletName("pulsar-websocket")
public class UpgradeServlet extends WebSocketServlet {
    private static final long serialVersionUID = 1L;
    /** Request attribute handing the accepted upgrade from {@link #service} to the creator, on the same thread. */
    private static final String UPGRADE = UpgradeServlet.class.getName() + ".upgrade";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile WebSocketEndpoint endpoint;

    /** Set by Jetty through {@link #configure} during servlet init, before any request. */
    private transient WebSocketServletFactory factory;

    @Override
    public void configure(WebSocketServletFactory factory) {
        this.factory = factory;
        factory.setCreator(this::create);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (factory == null || !factory.isUpgradeRequest(req, resp)) {
            super.service(req, resp); // plain HTTP: 405
            return;
        }
        WebSocketEndpoint e = endpoint;
        if (e == null) { // the bundle with the endpoints is stopping or being updated
            byte[] body = "Gateway is starting or stopping; retry\n".getBytes(StandardCharsets.UTF_8);
            resp.setStatus(503);
            resp.setContentType("text/plain;charset=utf-8");
            resp.getOutputStream().write(body);
            return;
        }
        WebSocketEndpoint.Upgrade upgrade = e.handshake(new ServletExchange(req, resp));
        if (upgrade == null) {
            return; // refused, and answered
        }
        req.setAttribute(UPGRADE, new Accepted(upgrade, e.maxTextMessageBytes()));
        boolean upgraded = false;
        try {
            super.service(req, resp);
            upgraded = resp.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
        } finally {
            req.removeAttribute(UPGRADE);
            // Jetty runs the creator before it validates the rest of the handshake (version, key): whatever did
            // not end in a 101 never opens its socket, and gives back what the handshake took
            if (!upgraded) {
                upgrade.abandon();
            }
        }
    }

    private record Accepted(WebSocketEndpoint.Upgrade upgrade, int maxTextMessageBytes) {}

    private Object create(ServletUpgradeRequest req, ServletUpgradeResponse resp) {
        HttpServletRequest http = req.getHttpServletRequest();
        Accepted a = (Accepted) http.getAttribute(UPGRADE);
        http.removeAttribute(UPGRADE);
        String protocol = a.upgrade().subprotocol();
        if (protocol != null) {
            resp.setAcceptedSubProtocol(protocol);
        }
        return new JettySocket(a.upgrade().accept(), a.maxTextMessageBytes());
    }
}
