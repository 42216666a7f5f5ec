package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.HttpRoute;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.servlet.Servlet;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;

/**
 * Registers a whiteboard servlet for every {@link HttpRoute} service, with the route's name and patterns, and
 * unregisters it when the route goes.
 */
@Component(immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
public class Routes {
    /** Guarded by {@code this}, as are the maps: binds, unbinds and activation are serialised. */
    private final Map<HttpRoute, ServiceRegistration<Servlet>> servlets = new ConcurrentHashMap<>();

    private BundleContext context;

    @Activate
    synchronized void activate(BundleContext context) {
        this.context = context;
        pending.forEach(this::register);
        pending.clear();
    }

    /** Routes bound before activation (static references arrive first). */
    private final Map<HttpRoute, Map<String, Object>> pending = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void addRoute(HttpRoute route, Map<String, Object> properties) {
        if (context == null) {
            pending.put(route, properties);
        } else {
            register(route, properties);
        }
    }

    synchronized void removeRoute(HttpRoute route) {
        pending.remove(route);
        properties.remove(route);
        ServiceRegistration<Servlet> r = servlets.remove(route);
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // gone with the bundle already
            }
        }
    }

    /**
     * The whiteboard's default context, when it (re)appears after routes were registered: they are registered again.
     * A servlet registered before the context exists is parked by Pax Web until it does, and one of them (the health
     * probes) once stayed parked for good on a starting node (RollingRestartIT: {@code /ready} answered 404 until the
     * node stopped; Pax Web 11.1.0 logged "No matching target context(s)" for it and never registered it).
     */
    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "="
                    + HttpWhiteboardConstants.HTTP_WHITEBOARD_DEFAULT_CONTEXT_NAME + ")")
    synchronized void setDefaultContext(ServletContextHelper defaultContext) {
        if (context == null || servlets.isEmpty()) {
            return; // nothing registered before it
        }
        Map<HttpRoute, Map<String, Object>> registered = new java.util.HashMap<>(properties);
        new java.util.ArrayList<>(servlets.keySet()).forEach(this::removeRoute);
        registered.forEach(this::addRoute);
    }

    synchronized void unsetDefaultContext(ServletContextHelper defaultContext) {
        // the routes stay registered: the whiteboard parks them until a default context is back
    }

    /** The properties of the routes registered, to register them again. */
    private final Map<HttpRoute, Map<String, Object>> properties = new ConcurrentHashMap<>();

    private void register(HttpRoute route, Map<String, Object> properties) {
        this.properties.put(route, properties);
        Dictionary<String, Object> p = new Hashtable<>();
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, properties.get(HttpRoute.NAME));
        p.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, properties.get(HttpRoute.PATTERN));
        p.put(
                HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_ASYNC_SUPPORTED,
                Boolean.TRUE.equals(properties.get(HttpRoute.ASYNC)));
        servlets.put(route, context.registerService(Servlet.class, new RouteServlet(route), p));
    }

    @Deactivate
    synchronized void deactivate() {
        new java.util.ArrayList<>(servlets.keySet()).forEach(this::removeRoute);
        context = null;
    }
}
