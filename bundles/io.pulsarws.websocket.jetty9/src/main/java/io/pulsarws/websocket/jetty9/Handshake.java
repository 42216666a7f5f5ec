package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.WebSocketEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * What an upgrade servlet does around its Jetty's upgrade, whatever the Jetty: the endpoints decide first (and answer
 * a refusal), without a thread while the broker creates the session (the request waits in asynchronous mode and is
 * dispatched again); the decision waits in a request attribute for the socket's creator, and whatever did not end in
 * a {@code 101} gives back what the handshake took. Stateless.
 */
final class Handshake {
    private Handshake() {}

    /** The container's upgrade of the request (the servlet's {@code super.service}). */
    @FunctionalInterface
    interface ContainerUpgrade {
        void run() throws IOException, ServletException;
    }

    /** Request attribute keeping the handshake being decided across the asynchronous dispatch. */
    private static final String PENDING = Handshake.class.getName() + ".pending";

    /**
     * The container's own deadline for a handshake waiting for its session; the session manager answers within its
     * operation timeout (30 s by default), so this is a last resort, not the bound a client sees.
     */
    static final long WAIT_LIMIT_MILLIS = 120_000;

    /**
     * Serves an upgrade request: the first pass asks the endpoints; when the session is not decided at once, the
     * request waits in asynchronous mode (no thread held) and is dispatched again once it is; the pass that finds it
     * decided finishes it and upgrades.
     *
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
        WebSocketEndpoint.Pending pending = (WebSocketEndpoint.Pending) req.getAttribute(PENDING);
        if (pending != null) { // dispatched again: decided
            req.removeAttribute(PENDING);
        } else {
            if (endpoint == null) {
                byte[] body = "Gateway is starting or stopping; retry\n".getBytes(StandardCharsets.UTF_8);
                resp.setStatus(503);
                resp.setContentType("text/plain;charset=utf-8");
                resp.getOutputStream().write(body);
                return;
            }
            pending = endpoint.handshake(new ServletExchange(req, resp));
            if (pending == null) {
                return; // refused, and answered
            }
            if (!pending.decided().toCompletableFuture().isDone()) {
                await(pending, req);
                return;
            }
        }
        WebSocketEndpoint.Upgrade upgrade = pending.finish(new ServletExchange(req, resp));
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

    /** Answers 504 to a handshake whose wait the container ended, if it still can, and ends the exchange. */
    private static void answerTimeout(AsyncEvent event) {
        try {
            HttpServletResponse resp = (HttpServletResponse) event.getSuppliedResponse();
            if (!resp.isCommitted()) {
                resp.setStatus(504);
                resp.setContentType("text/plain;charset=utf-8");
                resp.getOutputStream().write("Handshake timed out\n".getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException gone) {
            // the client is gone: nothing to answer
        }
        try {
            event.getAsyncContext().complete();
        } catch (IllegalStateException ended) {
            // ended already
        }
    }

    /** Lets the request wait without a thread until its handshake is decided, then dispatches it again. */
    private static void await(WebSocketEndpoint.Pending pending, HttpServletRequest req) {
        req.setAttribute(PENDING, pending);
        AsyncContext async = req.startAsync();
        async.setTimeout(WAIT_LIMIT_MILLIS);
        async.addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                // dispatched and served (finish was called), or ended otherwise: then nothing will finish it
                pending.abandon();
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                pending.abandon();
                answerTimeout(event);
            }

            @Override
            public void onError(AsyncEvent event) {
                // the connection's idle timeout while it waits, or the client went away: never the container's
                // error page (it can carry a stack trace)
                pending.abandon();
                answerTimeout(event);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // not started again
            }
        });
        pending.decided().whenComplete((v, e) -> {
            try {
                async.dispatch(); // to a container thread, which finishes it
            } catch (IllegalStateException ended) {
                pending.abandon(); // the exchange ended first (timed out, or the client went away)
            }
        });
    }
}
