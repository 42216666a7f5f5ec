package io.pulsarws.shell.internal;

import io.pulsarws.session.SessionManager;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(
        scope = "pulsar-ws",
        name = "close",
        description = "Closes WebSocket sessions; their clients get close code 1000 \"closed by operator\"")
@Service
public class CloseCommand extends GatewayAction {

    @Argument(
            index = 0,
            name = "ids",
            description = "Session ids, as listed by pulsar-ws:sessions",
            required = true,
            multiValued = true)
    @Completion(SessionIdCompleter.class)
    long[] ids;

    @Override
    protected Object execute(SessionManager manager) {
        for (long id : ids) {
            if (manager.close(id)) {
                System.out.println("Closed session " + id);
            } else {
                System.err.println("No open session " + id);
            }
        }
        return null;
    }
}
