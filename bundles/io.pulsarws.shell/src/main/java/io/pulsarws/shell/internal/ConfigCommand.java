package io.pulsarws.shell.internal;

import io.pulsarws.session.SessionManager;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

@Command(scope = "pulsar-ws", name = "config",
        description = "Shows the configuration in force (gateway) and stored (endpoints, security), secrets masked")
@Service
public class ConfigCommand implements Action {
    private static final List<String> ENDPOINT_PIDS = List.of("io.pulsarws.websocket", "io.pulsarws.security");

    @Reference(optional = true)
    SessionManager manager;

    @Reference
    ConfigurationAdmin configAdmin;

    @Option(name = "--csv", description = "Comma-separated output with a header")
    boolean csv;

    @Override
    public Object execute() throws IOException {
        Texts.Table table = new Texts.Table("PID", "Key", "Value");
        if (manager == null) {
            table.add("io.pulsarws.gateway", "-", "(no gateway in force: " + Texts.NO_GATEWAY + ")");
        } else {
            manager.effectiveConfiguration().forEach((k, v) -> table.add("io.pulsarws.gateway", k,
                    String.valueOf(v)));
        }
        for (String pid : ENDPOINT_PIDS) {
            Configuration c = configAdmin.getConfiguration(pid, null);
            Dictionary<String, Object> props = c.getProperties();
            if (props == null) {
                continue;
            }
            Map<String, Object> sorted = new TreeMap<>();
            for (Enumeration<String> keys = props.keys(); keys.hasMoreElements();) {
                String k = keys.nextElement();
                if (!k.startsWith("service.") && !k.startsWith("felix.") && !k.startsWith("component.")) {
                    sorted.put(k, props.get(k));
                }
            }
            sorted.forEach((k, v) -> table.add(pid, k, masked(k, v)));
        }
        table.print(System.out, csv);
        return null;
    }

    /** Keys that hold secrets show {@code ***} when set. */
    static String masked(String key, Object value) {
        String text = value instanceof String[] a ? String.join(",", a) : String.valueOf(value);
        String k = key.toLowerCase(Locale.ROOT);
        boolean secret = k.contains("secret") || k.contains("password") || k.contains("parameters")
                || k.endsWith("token");
        return secret && !text.isEmpty() ? "***" : text;
    }
}
