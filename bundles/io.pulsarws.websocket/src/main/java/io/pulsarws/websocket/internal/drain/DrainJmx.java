package io.pulsarws.websocket.internal.drain;

import io.pulsarws.websocket.drain.DrainStatus;
import io.pulsarws.websocket.drain.NodeDrain;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registers {@code io.pulsarws:type=Drain} in the platform MBean server for the drain's lifetime. */
final class DrainJmx {
    private static final Logger LOG = LoggerFactory.getLogger(DrainJmx.class);
    static final String NAME = "io.pulsarws:type=Drain";

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;

    DrainJmx(NodeDrain drain) {
        ObjectName n = null;
        try {
            n = new ObjectName(NAME);
            if (server.isRegistered(n)) {
                server.unregisterMBean(n); // left by an instance that failed to stop cleanly
            }
            server.registerMBean(new StandardMBean(new View(drain), DrainMXBean.class, true), n);
        } catch (JMException e) {
            LOG.warn("Cannot register MBean {}: {}", NAME, e.toString());
            n = null;
        }
        name = n;
    }

    void close() {
        if (name != null) {
            try {
                server.unregisterMBean(name);
            } catch (JMException e) {
                LOG.debug("Unregistering {} failed: {}", name, e.toString());
            }
        }
    }

    private record View(NodeDrain drain) implements DrainMXBean {
        @Override
        public boolean isDraining() {
            return drain.status().draining();
        }

        @Override
        public String getSince() {
            DrainStatus s = drain.status();
            return s.since() == null ? "" : s.since().toString();
        }

        @Override
        public int getOpenConnections() {
            return drain.status().open();
        }

        @Override
        public int getAskedToClose() {
            return drain.status().asked();
        }

        @Override
        public long getClosedByDrains() {
            return drain.status().closedByDrains();
        }

        @Override
        public void drain(int periodSeconds) {
            drain.start(periodSeconds < 0 ? null : Duration.ofSeconds(periodSeconds));
        }

        @Override
        public void resume() {
            drain.resume();
        }
    }
}
