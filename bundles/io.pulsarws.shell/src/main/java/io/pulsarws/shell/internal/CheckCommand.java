package io.pulsarws.shell.internal;

import io.pulsarws.session.SessionManager;
import io.pulsarws.session.Setting;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(
        scope = "pulsar-ws",
        name = "check",
        description = "Checks that the broker answers the gateway's Pulsar client (with the gateway's credentials)")
@Service
public class CheckCommand extends GatewayAction {

    @Option(name = "--timeout", description = "Seconds to wait for the broker")
    int timeoutSeconds = 10;

    @Override
    protected Object execute(SessionManager manager) throws InterruptedException {
        String url = manager.effectiveConfiguration().stream()
                .filter(s -> s.key().equals("serviceUrl"))
                .map(Setting::value)
                .findFirst()
                .orElse("");
        long t0 = System.nanoTime();
        try {
            manager.checkBroker().get(timeoutSeconds, TimeUnit.SECONDS);
            System.out.println(
                    "Broker reachable: " + url + " answered in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        } catch (TimeoutException e) {
            System.err.println("Broker NOT reachable: " + url + " did not answer within " + timeoutSeconds + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String m = cause.getMessage();
            System.err.println(
                    "Broker NOT reachable: " + url + ": " + cause.getClass().getSimpleName()
                            + (m == null ? "" : ": " + m.lines().findFirst().orElse("")));
        }
        return null;
    }
}
