package io.pulsarws.shell.internal;

import io.pulsarws.session.SessionManager;
import io.pulsarws.session.Setting;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * The gateway's configuration in force comes from the session manager, secrets already masked. The endpoints' PIDs
 * are shown as stored: a value is shown when their metatype declares its key, and not as a password (the rule the
 * session manager's view follows). A key declared as a password, or not declared at all (it may be a misspelled
 * secret), shows {@code ***}; so a new secret key is masked by declaring it, not by naming it here.
 */
@Command(
        scope = "pulsar-ws",
        name = "config",
        description = "Shows the configuration in force (gateway) and stored (endpoints, security), secrets masked")
@Service
public class ConfigCommand implements Action {
    private static final List<String> ENDPOINT_PIDS = List.of("io.pulsarws.websocket", "io.pulsarws.security");

    @Reference(optional = true)
    SessionManager manager;

    @Reference
    ConfigurationAdmin configAdmin;

    @Reference
    MetaTypeService metaType;

    @Reference
    BundleContext context;

    @Option(name = "--csv", description = "Comma-separated output with a header")
    boolean csv;

    @Override
    public Object execute() throws IOException {
        Texts.Table table = new Texts.Table("PID", "Key", "Value");
        if (manager == null) {
            table.add("io.pulsarws.gateway", "-", "(no gateway in force: " + Texts.NO_GATEWAY + ")");
        } else {
            for (Setting s : manager.effectiveConfiguration()) {
                table.add("io.pulsarws.gateway", s.key(), s.value());
            }
        }
        for (String pid : ENDPOINT_PIDS) {
            Configuration c = configAdmin.getConfiguration(pid, null);
            Dictionary<String, Object> props = c.getProperties();
            if (props == null) {
                continue;
            }
            Set<String> plain = plainKeys(pid);
            Map<String, Object> sorted = new TreeMap<>();
            for (Enumeration<String> keys = props.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                if (!k.startsWith("service.") && !k.startsWith("felix.") && !k.startsWith("component.")) {
                    sorted.put(k, props.get(k));
                }
            }
            sorted.forEach((k, v) -> table.add(pid, k, shown(v, !plain.contains(k))));
        }
        table.print(System.out, csv);
        return null;
    }

    /** @return the keys the PID's metatype declares, passwords excepted (none if no bundle declares the PID) */
    private Set<String> plainKeys(String pid) {
        Set<String> plain = new HashSet<>();
        for (Bundle b : context.getBundles()) {
            MetaTypeInformation info = metaType.getMetaTypeInformation(b);
            if (info == null || !List.of(info.getPids()).contains(pid)) {
                continue;
            }
            ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
            for (AttributeDefinition a : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
                if (a.getType() != AttributeDefinition.PASSWORD) {
                    plain.add(a.getID());
                }
            }
            break;
        }
        return plain;
    }

    /** A secret that is set shows {@link Setting#MASK}. */
    static String shown(Object value, boolean secret) {
        String text = value instanceof String[] a ? String.join(",", a) : String.valueOf(value);
        return secret && !text.isEmpty() ? Setting.MASK : text;
    }
}
