package io.pulsarws.websocket.jetty12;

import io.pulsarws.websocket.transport.WebSocketEndpoint;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.ee10.websocket.server.JettyServerUpgradeResponse;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServerContainer;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The {@code /ws/*} servlet on Jetty 12: an upgrade request is handed to the {@link WebSocketEndpoint}, which decides
 * it (and answers a refusal) before Jetty upgrades; a plain request gets the servlet's 405, as Pulsar's service
 * answers. The reference is dynamic, so the whiteboard registration never changes with the gateway's configuration.
 *
 * <p>Frames are read auto-fragmented: Jetty hands over each frame in pieces as they arrive, so no buffer is ever sized
 * from the length a client declares; the socket's handler joins the pieces within {@code maxTextFrameSize}. The frame
 * size limit is only the outgoing one, set high enough that every message leaves as one frame, as on Jetty 9.4.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern(WebSocketEndpoint.PATTERN)
@HttpWhiteboardServletName("pulsar-websocket")
public class UpgradeServlet extends JettyWebSocketServlet {
    private static final long serialVersionUID = 1L;
    /** Request attribute handing the accepted upgrade from {@link #service} to the creator, on the same thread. */
    private static final String UPGRADE = UpgradeServlet.class.getName() + ".upgrade";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile WebSocketEndpoint endpoint;

    /**
     * Pax Web runs Jetty's WebSocket initializer only for JSR 356 endpoints; a whiteboard context with a Jetty-API
     * servlet gets the WebSocket components and container here, once, before Jetty's own init looks them up.
     */
    @Override
    public void init() throws ServletException {
        ServletContextHandler context = ServletContextHandler.getServletContextHandler(getServletContext());
        if (context != null && context.getAttribute(WebSocketServerComponents.WEBSOCKET_COMPONENTS_ATTRIBUTE) == null) {
            WebSocketServerComponents.ensureWebSocketComponents(context.getServer(), context);
        }
        if (JettyWebSocketServerContainer.getContainer(getServletContext()) == null) {
            JettyWebSocketServerContainer.ensureContainer(getServletContext());
        }
        super.init();
    }

    @Override
    protected void configure(JettyWebSocketServletFactory factory) {
        factory.setAutoFragment(true);
        factory.setMaxFrameSize(Integer.MAX_VALUE); // outgoing: one frame per message; incoming: pieces anyway
        // the output buffer stays Jetty's 4 KiB, as on Jetty 9.4: frames batched there are out of the outbound budget
        // (their writes complete when batched), so it bounds those bytes per connection; frames under 1 KiB batch
        factory.setCreator(this::create);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (!isUpgrade(req)) {
            super.service(req, resp); // plain HTTP: 405
            return;
        }
        Handshake.serve(endpoint, req, resp, UPGRADE, upgrade -> upgrade, () -> super.service(req, resp));
    }

    /**
     * Jetty's own test, which its servlet does not expose: a GET over HTTP/1.1 with {@code Sec-WebSocket-Version},
     * {@code Upgrade: websocket} and {@code Connection: upgrade}. Anything else is a plain request; a request that
     * passes here and fails Jetty's fuller checks is abandoned after {@code super.service}.
     */
    static boolean isUpgrade(HttpServletRequest req) {
        if (!"GET".equals(req.getMethod()) || req.getHeader("Sec-WebSocket-Version") == null) {
            return false;
        }
        String upgrade = req.getHeader("Upgrade");
        if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
            return false;
        }
        for (String connection :
                List.of(String.valueOf(req.getHeader("Connection")).split(","))) {
            if (connection.trim().equalsIgnoreCase("upgrade")) {
                return true;
            }
        }
        return false;
    }

    private Object create(JettyServerUpgradeRequest req, JettyServerUpgradeResponse resp) {
        HttpServletRequest http = req.getHttpServletRequest();
        WebSocketEndpoint.Upgrade upgrade = (WebSocketEndpoint.Upgrade) http.getAttribute(UPGRADE);
        http.removeAttribute(UPGRADE);
        if (upgrade == null) {
            resp.setStatusCode(500);
            return null;
        }
        String protocol = upgrade.subprotocol();
        if (protocol != null) {
            resp.setAcceptedSubProtocol(protocol);
        }
        // no extension (Jetty 12 would accept permessage-deflate, whose inflated frames nothing here bounds)
        resp.setExtensions(List.of());
        return new JettySocket(upgrade);
    }
}
