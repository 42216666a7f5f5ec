package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.WebSocketEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * What an upgrade servlet does around its Jetty's upgrade, whatever the Jetty: the endpoints decide first (and answer
 * a refusal), the decision waits in a request attribute for the socket's creator, and whatever did not end in a
 * {@code 101} gives back what the handshake took. Stateless.
 */
final class Handshake {
    private Handshake() {}

    /** The container's upgrade of the request (the servlet's {@code super.service}). */
    @FunctionalInterface
    interface ContainerUpgrade {
        void run() throws IOException, ServletException;
    }

    /**
     * @param endpoint the endpoints, or null while their bundle is stopping or being updated (503)
     * @param attribute the request attribute the creator reads the decision from
     * @param kept what is kept under it for an accepted upgrade
     */
    static void serve(
            WebSocketEndpoint endpoint,
            HttpServletRequest req,
            HttpServletResponse resp,
            String attribute,
            Function<WebSocketEndpoint.Upgrade, Object> kept,
            ContainerUpgrade upgradeNow)
            throws IOException, ServletException {
        if (endpoint == null) {
            byte[] body = "Gateway is starting or stopping; retry\n".getBytes(StandardCharsets.UTF_8);
            resp.setStatus(503);
            resp.setContentType("text/plain;charset=utf-8");
            resp.getOutputStream().write(body);
            return;
        }
        WebSocketEndpoint.Upgrade upgrade = endpoint.handshake(new ServletExchange(req, resp));
        if (upgrade == null) {
            return; // refused, and answered
        }
        req.setAttribute(attribute, kept.apply(upgrade));
        boolean upgraded = false;
        try {
            upgradeNow.run();
            upgraded = resp.getStatus() == HttpServletResponse.SC_SWITCHING_PROTOCOLS;
        } finally {
            req.removeAttribute(attribute);
            // Jetty may create the socket and still not upgrade (9.4 validates version and key after its creator,
            // 12 the subprotocol and extensions): whatever did not end in a 101 never opens its socket
            if (!upgraded) {
                upgrade.abandon();
            }
        }
    }
}
