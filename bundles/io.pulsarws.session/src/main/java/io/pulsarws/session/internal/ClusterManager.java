package io.pulsarws.session.internal;

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
 * threads read {@link #cluster()} and {@link #settings()}, which only the control thread writes.
 */
final class ClusterManager {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterManager.class);

    private final String pid;
    /** Closes the sessions of a replaced cluster, and the cluster; returns how many were open. */
    private final ToIntFunction<Cluster> closeSessions;
    /** Told each configuration put in force, for the settings that apply in place (the send budget). */
    private final Consumer<GatewaySettings> inForce;

    private final ExecutorService control;

    /** The configuration in force: the last one accepted. Written by the control thread. */
    private volatile GatewaySettings settings;
    /** The clients in force; null while the brokers are being discovered. Written by the control thread. */
    private volatile Cluster cluster;
    /** Reads the brokers from the configuration store when no serviceUrl is set; control thread only. */
    private ClusterDiscovery discovery;

    ClusterManager(String pid, ToIntFunction<Cluster> closeSessions, Consumer<GatewaySettings> inForce) {
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

    /** @return the configuration in force, or null before the first was accepted */
    GatewaySettings settings() {
        return settings;
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
                    })
                    .get();
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

    /**
     * Puts a configuration in force, or rejects it with an error line and keeps the previous one. Control thread.
     *
     * @return false if rejected
     */
    private boolean configure(GatewayConfiguration configuration, boolean first) {
        GatewaySettings next;
        try {
            next = GatewaySettings.of(configuration);
        } catch (IllegalArgumentException e) {
            return reject(e.getMessage(), first);
        }
        if (next.serviceUrl() != null) {
            if (!apply(next, next.serviceUrl(), first)) {
                return false;
            }
            stopDiscovery();
            return true;
        }
        GatewaySettings.DiscoverySettings d = next.discovery();
        if (discovery != null && d.equals(settings.discovery())) {
            Cluster c = cluster;
            if (c == null) {
                setSettings(next);
                return true;
            }
            return apply(next, c.serviceUrl, first);
        }
        ClusterDiscovery started;
        try {
            // what the store reports is applied on the control thread, with the configuration in force then
            started = new ClusterDiscovery(
                    d.store(),
                    d.clusterName(),
                    d.sessionTimeoutMillis(),
                    false,
                    found -> enqueue(() -> discovered(found)));
        } catch (IllegalArgumentException e) {
            return reject(e.getMessage(), first);
        }
        stopDiscovery();
        discovery = started;
        setSettings(next); // the current cluster, if any, serves until the store names the brokers
        return true;
    }

    private void setSettings(GatewaySettings next) {
        settings = next;
        inForce.accept(next);
    }

    /** The configuration store named the brokers (again). Control thread. */
    private void discovered(String serviceUrl) {
        if (discovery != null) {
            apply(settings, serviceUrl, false);
        }
    }

    /** Builds the clients for these settings and URL unless the current ones only need new settings. */
    private boolean apply(GatewaySettings next, String url, boolean first) {
        Cluster current = cluster;
        if (current != null
                && current.serviceUrl.equals(url)
                && current.settings.client().equals(next.client())) {
            cluster = current.withSettings(next);
            setSettings(next);
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
        setSettings(next);
        if (current != null) {
            int open = closeSessions.applyAsInt(current);
            LOG.info(
                    "Pulsar WebSocket gateway reconfigured, {} open session(s) closed with 1001: {}",
                    open,
                    replacement.describe());
        }
        return true;
    }

    private boolean reject(String why, boolean first) {
        Cluster c = cluster;
        LOG.error(
                "Rejected {} configuration: {}; {}",
                pid,
                why,
                first
                        ? "the gateway refuses handshakes (503) until it is fixed"
                        : "keeping the previous one in force (" + (c == null ? "no brokers known yet" : c.describe())
                                + ")");
        return false;
    }

    private void stopDiscovery() {
        if (discovery != null) {
            discovery.close();
            discovery = null;
        }
    }
}
