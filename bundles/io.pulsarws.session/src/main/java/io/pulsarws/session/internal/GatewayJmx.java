package io.pulsarws.session.internal;

import io.pulsarws.codec.EndpointPath;
import io.pulsarws.session.SessionInfo;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the gateway's MBeans in the platform MBean server (the one Karaf's JMX and Decanter's JMX collector
 * read): {@code io.pulsarws:type=Gateway}, and {@code io.pulsarws:type=Namespace,name=...} for each namespace as
 * soon as it has a session. Everything is unregistered with the gateway.
 */
final class GatewayJmx {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayJmx.class);
    static final String DOMAIN = "io.pulsarws";

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Set<ObjectName> registered = ConcurrentHashMap.newKeySet();
    private final PulsarGateway gateway;

    GatewayJmx(PulsarGateway gateway) {
        this.gateway = gateway;
        register(name("type=Gateway"), new StandardMBean(new GatewayView(), GatewayMXBean.class, true));
    }

    /** Registers the MBean of a namespace whose counters were just created. */
    void namespaceAdded(String namespace, NamespaceMetrics.Counters counters) {
        register(
                name("type=Namespace,name=" + quoteIfNeeded(namespace)),
                new StandardMBean(new NamespaceView(counters), NamespaceMXBean.class, true));
    }

    void close() {
        for (ObjectName n : registered) {
            try {
                server.unregisterMBean(n);
            } catch (JMException e) {
                LOG.debug("Unregistering {} failed: {}", n, e.toString());
            }
        }
        registered.clear();
    }

    private void register(ObjectName name, Object mbean) {
        if (name == null) {
            return;
        }
        try {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name); // left by a previous gateway instance that failed to stop cleanly
            }
            server.registerMBean(mbean, name);
            registered.add(name);
        } catch (JMException e) {
            LOG.warn("Cannot register MBean {}: {}", name, e.toString());
        }
    }

    private static ObjectName name(String properties) {
        try {
            return new ObjectName(DOMAIN + ":" + properties);
        } catch (JMException e) {
            LOG.warn("Invalid MBean name {}: {}", properties, e.toString());
            return null;
        }
    }

    private static String quoteIfNeeded(String value) {
        return value.matches("[^,=:\"*?\\n]*") ? value : ObjectName.quote(value);
    }

    private final class GatewayView implements GatewayMXBean {
        private long count(EndpointPath.Kind kind) {
            return gateway.sessions().stream()
                    .filter(s -> s.kind().equals(kind.label()))
                    .count();
        }

        @Override
        public int getOpenSessions() {
            return gateway.sessions().size();
        }

        @Override
        public int getProducerSessions() {
            return (int) count(EndpointPath.Kind.PRODUCER);
        }

        @Override
        public int getConsumerSessions() {
            return (int) count(EndpointPath.Kind.CONSUMER);
        }

        @Override
        public int getReaderSessions() {
            return (int) count(EndpointPath.Kind.READER);
        }

        @Override
        public long getPendingMessages() {
            List<SessionInfo> all = gateway.sessions();
            return all.stream().mapToLong(SessionInfo::pending).sum();
        }

        @Override
        public String getServiceUrl() {
            String url = gateway.serviceUrl();
            return url == null ? "" : url;
        }

        @Override
        public Map<String, String> getConfiguration() {
            Map<String, String> m = new LinkedHashMap<>();
            gateway.effectiveConfiguration().forEach(s -> m.put(s.key(), s.value()));
            return m;
        }

        @Override
        public long getProducerBytesInFlight() {
            return gateway.sendBudget().used();
        }

        @Override
        public int getSendsWaitingForMemory() {
            return gateway.sendBudget().waiting();
        }

        @Override
        public long getSendsThatWaitedForMemory() {
            return gateway.sendBudget().waited();
        }

        @Override
        public long getBatchAckBytes() {
            return gateway.batchAcks().bytes();
        }

        @Override
        public int getCredentialClients() {
            return gateway.credentialClients();
        }

        @Override
        public int getIdleHttpProducers() {
            return gateway.producerPool().size();
        }

        @Override
        public long getHttpProducersReused() {
            return gateway.producerPool().reused();
        }

        @Override
        public long getPrefetchedBytes() {
            return gateway.prefetch().held();
        }

        @Override
        public long getSessionsClosedForPrefetch() {
            return gateway.prefetch().closedOverWindow();
        }

        @Override
        public boolean closeSession(long id) {
            return gateway.close(id);
        }
    }

    private static final class NamespaceView implements NamespaceMXBean {
        private final NamespaceMetrics.Counters c;

        NamespaceView(NamespaceMetrics.Counters c) {
            this.c = c;
        }

        @Override
        public long getMessagesPublished() {
            return c.published.sum();
        }

        @Override
        public long getBytesPublished() {
            return c.bytesPublished.sum();
        }

        @Override
        public long getPublishFailures() {
            return c.publishFailures.sum();
        }

        @Override
        public long getMessagesDelivered() {
            return c.delivered.sum();
        }

        @Override
        public long getBytesDelivered() {
            return c.bytesDelivered.sum();
        }

        @Override
        public long getAcks() {
            return c.acks.sum();
        }

        @Override
        public long getNacks() {
            return c.nacks.sum();
        }

        @Override
        public long getPublishLatencyMeanMicros() {
            long n = c.published.sum();
            return n == 0 ? 0 : c.latencySumMicros.sum() / n;
        }
    }
}
