package io.pulsarws.shell.internal;

import io.pulsarws.session.SessionManager;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;

/**
 * A {@code pulsar-ws} command that works on the gateway's session manager: without one (the gateway is not
 * configured or not active) it says so instead of running.
 */
abstract class GatewayAction implements Action {

    @Reference(optional = true)
    SessionManager manager;

    @Override
    public final Object execute() throws Exception {
        SessionManager m = manager;
        if (m == null) {
            System.err.println(Texts.NO_GATEWAY);
            return null;
        }
        return execute(m);
    }

    /** Runs the command against the gateway's session manager. */
    protected abstract Object execute(SessionManager manager) throws Exception;
}
