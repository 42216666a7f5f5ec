package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.WebSocketEndpoint;
import java.io.IOException;
import java.util.List;
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
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The {@code /ws/*} servlet on Jetty 9.4: an upgrade request is handed to the {@link WebSocketEndpoint}, which
 * decides it (and answers a refusal) before Jetty upgrades; a plain request gets Jetty's 405, as Pulsar's service
 * answers. The reference is dynamic, so the whiteboard registration never changes with the gateway's configuration.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern(WebSocketEndpoint.PATTERN)
@HttpWhiteboardServletAsyncSupported
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
        Handshake.serve(
                e,
                req,
                resp,
                UPGRADE,
                upgrade -> new Accepted(upgrade, e.maxTextMessageBytes()),
                () -> super.service(req, resp));
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
        // no extension, whatever this Jetty's defaults are (as Pax Web 8 sets it up it answers none):
        // permessage-deflate
        // is the Jetty 12 transport's, where its inflated input reaches the socket in bounded pieces
        resp.setExtensions(List.of());
        return new JettySocket(a.upgrade().accept(), a.maxTextMessageBytes());
    }
}
