package io.pulsarws.websocket.jetty12;

import io.pulsarws.websocket.transport.WebSocketEndpoint;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletCoreRequest;
import org.eclipse.jetty.ee10.servlet.ServletCoreResponse;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.eclipse.jetty.websocket.core.ExtensionConfig;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.Handshaker;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.core.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.core.server.WebSocketNegotiator;
import org.eclipse.jetty.websocket.core.server.WebSocketServerComponents;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The {@code /ws/*} servlet on Jetty 12: an upgrade request is handed to the {@link WebSocketEndpoint}, which decides
 * it (and answers a refusal) before Jetty upgrades; a plain request gets the servlet's 405, as Pulsar's service
 * answers. The reference is dynamic, so the whiteboard registration never changes with the gateway's configuration.
 *
 * <p>The upgrade goes through Jetty's core WebSocket API, not its Jetty API layer ({@code JettyWebSocketServlet}):
 * that layer keeps, per connection, an upgrade response whose header map is a live view of the servlet response, and
 * through it the HTTP request, its channel, connection and parser survive the upgrade for the life of the WebSocket
 * (3,000 of each class for 3,000 idle sessions in a heap dump of Jetty 12.1.14).
 *
 * <p>Frames are read auto-fragmented: Jetty hands over each frame in pieces as they arrive, so no buffer is ever sized
 * from the length a client declares; the socket's handler joins the pieces within {@code maxTextFrameSize}. The frame
 * size limit is only the outgoing one, set high enough that every message leaves as one frame, as on Jetty 9.4. The
 * output buffer stays Jetty's 4 KiB, as on Jetty 9.4: frames batched there are out of the outbound budget (their
 * writes complete when batched), so it bounds those bytes per connection.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern(WebSocketEndpoint.PATTERN)
@HttpWhiteboardServletAsyncSupported
@HttpWhiteboardServletName("pulsar-websocket")
public class UpgradeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private static final String UPGRADE = UpgradeServlet.class.getName() + ".upgrade";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile WebSocketEndpoint endpoint;

    private transient volatile WebSocketComponents components;
    /** The Deflater {@link DeflateExtension} hands out instead of keeping one per connection. */
    private transient volatile IdleDeflater idle;

    private final transient Handshaker handshaker = Handshaker.newInstance();

    /**
     * Pax Web runs Jetty's WebSocket initializer only for JSR 356 endpoints; a whiteboard context gets the WebSocket
     * components (buffer pools, extensions) here, once.
     */
    @Override
    public void init() throws ServletException {
        ServletContextHandler context = ServletContextHandler.getServletContextHandler(getServletContext());
        if (context == null) {
            throw new ServletException("not a Jetty 12 servlet context");
        }
        components = WebSocketServerComponents.ensureWebSocketComponents(context.getServer(), context);
        idle = new IdleDeflater();
        components.addBean(idle);
        // Jetty's permessage-deflate, without the compressor it would keep per connection between messages
        components.getExtensionRegistry().register("permessage-deflate", DeflateExtension.class);
        super.init();
    }

    @Override
    public void destroy() {
        super.destroy();
        WebSocketComponents c = components;
        IdleDeflater d = idle;
        if (c != null && d != null) {
            c.removeBean(d);
            d.end();
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (!isUpgrade(req)) {
            super.service(req, resp); // plain HTTP: 405
            return;
        }
        Handshake.serve(endpoint, req, resp, UPGRADE, upgrade -> upgrade, () -> upgrade(req, resp));
    }

    /** Jetty's core handshake, with a frame handler of ours; returns once the 101 is written (or not upgraded). */
    private void upgrade(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        WebSocketEndpoint.Upgrade upgrade = (WebSocketEndpoint.Upgrade) req.getAttribute(UPGRADE);
        Request coreRequest = ServletCoreRequest.wrap(req);
        Response coreResponse = ServletCoreResponse.wrap(coreRequest, resp, false);
        FutureCallback written = new FutureCallback();
        boolean upgraded = handshaker.upgradeRequest(
                new Negotiator(upgrade), coreRequest, coreResponse, written, components, null);
        if (!upgraded) {
            super.service(req, resp); // not a valid upgrade after all (version, key): the servlet's answer
            return;
        }
        try {
            written.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upgrade interrupted");
        } catch (ExecutionException e) {
            throw new IOException("upgrade failed", e.getCause());
        }
    }

    /** The only extension ever answered: RFC 7692's compression, no context kept from one message to the next. */
    private static final ExtensionConfig DEFLATE =
            ExtensionConfig.parse("permessage-deflate; client_no_context_takeover; server_no_context_takeover");

    /** @return whether the client offers permessage-deflate (in any of its offers, with any parameters) */
    static boolean offersDeflate(ServerUpgradeRequest req) {
        for (ExtensionConfig offer : req.getExtensions()) {
            if ("permessage-deflate".equals(offer.getName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decides the rest of the handshake: the subprotocol the endpoint chose, permessage-deflate if allowed and
     * offered, our frame handler.
     */
    private static final class Negotiator extends WebSocketNegotiator.AbstractNegotiator {
        private final WebSocketEndpoint.Upgrade upgrade;

        Negotiator(WebSocketEndpoint.Upgrade upgrade) {
            this.upgrade = upgrade;
            setAutoFragment(true);
            setMaxFrameSize(Integer.MAX_VALUE); // outgoing: one frame per message; incoming: pieces anyway
            setIdleTimeout(Duration.ofMinutes(5)); // until the handler sets its own at open
        }

        @Override
        public FrameHandler negotiate(ServerUpgradeRequest req, ServerUpgradeResponse resp, Callback callback) {
            if (upgrade == null) {
                resp.setStatus(500);
                callback.succeeded();
                return null;
            }
            String protocol = upgrade.subprotocol();
            if (protocol != null) {
                resp.setAcceptedSubProtocol(protocol);
            }
            // permessage-deflate only when the endpoint allows it and the client offers it, and then without context
            // takeover either way: the compressor and decompressor are given back after each message
            // (DeflateExtension), so an idle connection holds none; inflated input reaches the socket in 8 KiB
            // pieces, which it bounds as any fragmented message. No other extension is answered.
            resp.setExtensions(upgrade.permessageDeflate() && offersDeflate(req) ? List.of(DEFLATE) : List.of());
            return new JettySocket(upgrade);
        }
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
}
