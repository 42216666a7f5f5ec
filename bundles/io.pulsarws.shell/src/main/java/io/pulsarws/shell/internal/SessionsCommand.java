package io.pulsarws.shell.internal;

import io.pulsarws.session.SessionInfo;
import io.pulsarws.session.SessionManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "pulsar-ws", name = "sessions", description = "Lists the open WebSocket sessions of the gateway")
@Service
public class SessionsCommand extends GatewayAction {

    @Option(name = "--csv", description = "Comma-separated output, one line per session, with a header")
    boolean csv;

    @Option(name = "--kind", description = "Only sessions of this kind: producer, consumer or reader")
    String kind;

    @Override
    protected Object execute(SessionManager manager) {
        List<SessionInfo> sessions = manager.sessions().stream()
                .filter(s -> kind == null || s.kind().equalsIgnoreCase(kind))
                .sorted(Comparator.comparingLong(SessionInfo::id))
                .toList();
        Texts.Table table =
                new Texts.Table("Id", "Kind", "Topic", "Subscription", "Remote", "Role", "In", "Out", "Pending", "Age");
        Instant now = Instant.now();
        for (SessionInfo s : sessions) {
            table.add(
                    s.id(),
                    s.kind(),
                    s.topic(),
                    Texts.orDash(s.subscription()),
                    s.remoteAddress(),
                    Texts.orDash(s.role()),
                    s.framesIn(),
                    s.messages(),
                    s.pending(),
                    Texts.age(Duration.between(s.opened(), now)));
        }
        table.print(System.out, csv);
        return null;
    }
}
