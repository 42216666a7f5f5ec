package io.pulsarws.session.internal;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's Pulsar clients over time: which configuration is in force, the discovery of the brokers in the
 * configuration store, and the swap to new clients. Everything that changes them runs on <b>one control thread</b>
 * that this object owns ({@code pulsarws-control}): a configuration change (ConfigAdmin's thread) and a discovery
 * event (ZooKeeper's thread) only enqueue work, so neither ever blocks on building or closing a client. Jetty's
 * threads read {@link #cluster()} and {@link #config()}, which only the control thread writes.
 */
final class ClusterManager {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterManager.class);

    private final String pid;
    /** Closes the sessions of a replaced cluster, and the cluster; returns how many were open. */
    private final ToIntFunction<Cluster> closeSessions;
    /** Told each configuration put in force, for the settings that apply in place (the send budget). */
    private final Consumer<GatewayConfiguration> inForce;
    private final ExecutorService control;

    /** The configuration in force: the last one accepted. Written by the control thread. */
    private volatile GatewayConfiguration config;
    /** The clients in force; null while the brokers are being discovered. Written by the control thread. */
    private volatile Cluster cluster;
    /** Reads the brokers from the configuration store when no serviceUrl is set; control thread only. */
    private ClusterDiscovery discovery;
    /** What the running discovery reads (store, cluster, session timeout); control thread only. */
    private String discoveryKey;

    ClusterManager(String pid, ToIntFunction<Cluster> closeSessions, Consumer<GatewayConfiguration> inForce) {
        this.pid = pid;
        this.closeSessions = closeSessions;
        this.inForce = inForce;
        this.control = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pulsarws-control");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Puts the first configuration in force, on the control thread, and waits for it.
     *
     * @return false if it was rejected (the error is logged); the manager is closed then
     */
    boolean start(GatewayConfiguration first) {
        try {
            boolean ok = control.submit(() -> configure(first, true)).get();
            if (!ok) {
                control.shutdownNow();
            }
            return ok;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            control.shutdownNow();
            return false;
        } catch (ExecutionException e) {
            control.shutdownNow();
            throw new IllegalStateException("configuring the gateway failed", e.getCause());
        }
    }

    /** A later configuration: applied on the control thread, in order; the caller does not wait. */
    void update(GatewayConfiguration next) {
        enqueue(() -> configure(next, false));
    }

    private void enqueue(Runnable work) {
        try {
            control.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("The gateway is stopping: ignoring a late configuration or discovery event");
        }
    }

    GatewayConfiguration config() {
        return config;
    }

    Cluster cluster() {
        return cluster;
    }

    /** Stops discovery, closes the clients and their sessions, and ends the control thread. */
    int close() {
        if (control.isShutdown()) {
            return 0; // never started, or closed already
        }
        try {
            return control.submit(() -> {
                stopDiscovery();
                Cluster c = cluster;
                cluster = null;
                return c == null ? 0 : closeSessions.applyAsInt(c);
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (ExecutionException e) {
            LOG.warn("Stopping the gateway's clients failed", e.getCause());
            return 0;
        } finally {
            control.shutdown();
            try {
                control.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return the configuration store setting, whichever of its names is used, or null */
    static String store(GatewayConfiguration c) {
        for (String s : new String[] {c.configurationMetadataStoreUrl(), c.configurationStoreServers(),
            c.globalZookeeperServers(), c.zookeeperServers()}) {
            if (s != null && !s.isBlank()) {
                return s.trim();
            }
        }
        return null;
    }

    /**
     * Puts a configuration in force, or rejects it with an error line and keeps the previous one. Control thread.
     *
     * @return false if rejected
     */
    private boolean configure(GatewayConfiguration next, boolean first) {
        String url = next.serviceUrl() == null || next.serviceUrl().isBlank() ? null : next.serviceUrl().trim();
        String store = store(next);
        List<String> wrong = Cluster.validate(next);
        if (url == null && store == null) {
            wrong.add("set serviceUrl, or leave it empty and set configurationMetadataStoreUrl (or "
                    + "globalZookeeperServers) to discover the brokers");
        }
        if (!wrong.isEmpty()) {
            return reject(String.join("; ", wrong), first);
        }
        if (url != null) {
            if (!apply(next, url, first)) {
                return false;
            }
            stopDiscovery();
            return true;
        }
        String key = store + "|" + next.clusterName() + "|" + next.metadataStoreSessionTimeoutMillis();
        if (discovery != null && key.equals(discoveryKey)) {
            Cluster c = cluster;
            if (c == null) {
                setConfig(next);
                return true;
            }
            return apply(next, c.serviceUrl, first);
        }
        ClusterDiscovery started;
        try {
            // what the store reports is applied on the control thread, with the configuration in force then
            started = new ClusterDiscovery(store, next.clusterName(), next.metadataStoreSessionTimeoutMillis(), false,
                    found -> enqueue(() -> discovered(found)));
        } catch (IllegalArgumentException e) {
            return reject(e.getMessage(), first);
        }
        stopDiscovery();
        discovery = started;
        discoveryKey = key;
        setConfig(next); // the current cluster, if any, serves until the store names the brokers
        return true;
    }

    private void setConfig(GatewayConfiguration next) {
        config = next;
        inForce.accept(next);
    }

    /** The configuration store named the brokers (again). Control thread. */
    private void discovered(String serviceUrl) {
        if (discovery != null) {
            apply(config, serviceUrl, false);
        }
    }

    /** Builds the clients for this configuration and URL unless the current ones only need new settings. */
    private boolean apply(GatewayConfiguration next, String url, boolean first) {
        Cluster current = cluster;
        if (current != null && current.serviceUrl.equals(url) && !Cluster.needsNewClient(current.config, next)) {
            cluster = current.withSettings(next);
            setConfig(next);
            LOG.info("Pulsar WebSocket gateway settings applied in place: {}", cluster.describe());
            return true;
        }
        Cluster replacement;
        try {
            replacement = Cluster.connect(next, url);
        } catch (IllegalArgumentException e) {
            return reject(e.getMessage(), first);
        }
        cluster = replacement;
        setConfig(next);
        if (current != null) {
            int open = closeSessions.applyAsInt(current);
            LOG.info("Pulsar WebSocket gateway reconfigured, {} open session(s) closed with 1001: {}", open,
                    replacement.describe());
        }
        return true;
    }

    private boolean reject(String why, boolean first) {
        Cluster c = cluster;
        LOG.error("Rejected {} configuration: {}; {}", pid, why, first
                ? "the gateway refuses handshakes (503) until it is fixed"
                : "keeping the previous one in force (" + (c == null ? "no brokers known yet" : c.describe()) + ")");
        return false;
    }

    private void stopDiscovery() {
        if (discovery != null) {
            discovery.close();
            discovery = null;
            discoveryKey = null;
        }
    }
}
