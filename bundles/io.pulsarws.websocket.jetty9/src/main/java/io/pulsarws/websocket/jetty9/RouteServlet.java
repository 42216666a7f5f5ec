package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.HttpRoute;
import java.io.IOException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/** One {@link HttpRoute} as a servlet: every method goes to the route. */
final class RouteServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient HttpRoute route;

    RouteServlet(HttpRoute route) {
        this.route = route;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        route.serve(new ServletExchange(req, resp));
    }
}
