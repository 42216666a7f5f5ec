package io.pulsarws.shell.internal;

import io.pulsarws.session.SessionInfo;
import io.pulsarws.session.SessionManager;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the ids of the open sessions. */
@Service
public class SessionIdCompleter implements Completer {

    @Reference(optional = true)
    SessionManager manager;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        StringsCompleter ids = new StringsCompleter();
        if (manager != null) {
            for (SessionInfo s : manager.sessions()) {
                ids.getStrings().add(Long.toString(s.id()));
            }
        }
        return ids.complete(session, commandLine, candidates);
    }
}
