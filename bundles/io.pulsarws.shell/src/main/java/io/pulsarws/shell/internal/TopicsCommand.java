package io.pulsarws.shell.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.SessionInfo;
import io.pulsarws.session.SessionManager;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "pulsar-ws", name = "topics", description = "Per-topic statistics of the open sessions")
@Service
public class TopicsCommand extends GatewayAction {

    @Option(name = "--csv", description = "Comma-separated output with a header")
    boolean csv;

    @Override
    protected Object execute(SessionManager manager) {
        Map<String, List<SessionInfo>> byTopic = manager.sessions().stream()
                .collect(Collectors.groupingBy(SessionInfo::topic, TreeMap::new, Collectors.toList()));
        Texts.Table table =
                new Texts.Table("Topic", "Producers", "Consumers", "Readers", "Published", "Delivered", "Pending");
        byTopic.forEach((topic, sessions) -> table.add(
                topic,
                count(sessions, EndpointPath.Kind.PRODUCER),
                count(sessions, EndpointPath.Kind.CONSUMER),
                count(sessions, EndpointPath.Kind.READER),
                sum(sessions, EndpointPath.Kind.PRODUCER),
                sum(sessions, EndpointPath.Kind.CONSUMER) + sum(sessions, EndpointPath.Kind.READER),
                sessions.stream().mapToLong(SessionInfo::pending).sum()));
        table.print(System.out, csv);
        return null;
    }

    private static long count(List<SessionInfo> sessions, EndpointPath.Kind kind) {
        return sessions.stream().filter(s -> s.kind().equals(kind.label())).count();
    }

    private static long sum(List<SessionInfo> sessions, EndpointPath.Kind kind) {
        return sessions.stream()
                .filter(s -> s.kind().equals(kind.label()))
                .mapToLong(SessionInfo::messages)
                .sum();
    }
}
