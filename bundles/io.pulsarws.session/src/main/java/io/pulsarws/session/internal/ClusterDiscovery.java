package io.pulsarws.session.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a cluster's broker service URL from Pulsar's configuration store (ZooKeeper), as Pulsar's WebSocket
 * service does when it is given no broker URL: the JSON of {@code /admin/clusters/<cluster>}, field
 * {@code brokerServiceUrl} (or {@code brokerServiceUrlTls} when TLS is wanted). The node is watched: every change
 * (and the node's creation, if it does not exist yet) is reported again. A lost session is replaced.
 */
final class ClusterDiscovery implements Watcher, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDiscovery.class);
    private static final JsonFactory JSON = new JsonFactory();

    private final String connectString;
    private final String path;
    private final int sessionTimeoutMillis;
    private final boolean tls;
    private final Consumer<String> onServiceUrl;
    private volatile ZooKeeper zk;
    private volatile boolean closed;
    private String last;

    /**
     * @param servers ZooKeeper servers, {@code host:port[,host:port...][/chroot]}, with or without a {@code zk:}
     *        prefix (Pulsar's metadata store URL form)
     * @param cluster the cluster name
     * @param onServiceUrl told of the broker service URL each time it is read and differs from the last one
     * @throws IllegalArgumentException if the servers string is not usable
     */
    ClusterDiscovery(
            String servers, String cluster, int sessionTimeoutMillis, boolean tls, Consumer<String> onServiceUrl) {
        String s = servers.trim();
        this.connectString = s.startsWith("zk:") ? s.substring(3) : s;
        this.path = "/admin/clusters/" + cluster;
        this.sessionTimeoutMillis = sessionTimeoutMillis;
        this.tls = tls;
        this.onServiceUrl = onServiceUrl;
        this.zk = connect();
        read();
    }

    private ZooKeeper connect() {
        try {
            return new ZooKeeper(connectString, sessionTimeoutMillis, this);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot use ZooKeeper servers '" + connectString + "': " + e.getMessage());
        }
    }

    /** Reads the cluster node and sets a watch on it; asynchronous, so it never blocks a ZooKeeper thread. */
    private void read() {
        if (closed) {
            return;
        }
        ZooKeeper z = zk;
        z.exists(
                path,
                this,
                (rc, p, ctx, stat) -> {
                    if (rc == KeeperException.Code.NONODE.intValue()) {
                        LOG.warn(
                                "Cluster {} not found in the configuration store ({}{}); waiting for it to be created",
                                path.substring(path.lastIndexOf('/') + 1),
                                connectString,
                                path);
                        return;
                    }
                    if (rc != KeeperException.Code.OK.intValue()) {
                        LOG.debug(
                                "Reading {} failed: {}; retried when the connection is back",
                                path,
                                KeeperException.Code.get(rc));
                        return;
                    }
                    z.getData(
                            path,
                            this,
                            (rc2, p2, ctx2, data, stat2) -> {
                                if (rc2 == KeeperException.Code.OK.intValue()) {
                                    found(data);
                                }
                            },
                            null);
                },
                null);
    }

    private void found(byte[] data) {
        String url = serviceUrl(data, tls);
        synchronized (this) {
            if (url == null || url.equals(last) || closed) {
                if (url == null) {
                    LOG.error("Cluster data at {} has no {}", path, tls ? "brokerServiceUrlTls" : "brokerServiceUrl");
                }
                return;
            }
            last = url;
        }
        LOG.info("Discovered the brokers of {} in the configuration store: {}", path, url);
        onServiceUrl.accept(url);
    }

    /** @return the broker service URL of a Pulsar {@code ClusterData} JSON, or null */
    static String serviceUrl(byte[] json, boolean tls) {
        String wanted = tls ? "brokerServiceUrlTls" : "brokerServiceUrl";
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals(wanted)
                        && t == JsonToken.VALUE_STRING
                        && !p.getText().isBlank()) {
                    return p.getText().trim();
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void process(WatchedEvent event) {
        if (closed) {
            return;
        }
        if (event.getType() == Event.EventType.None) {
            switch (event.getState()) {
                case SyncConnected -> read(); // (re)connected: the watch may have been missed
                case Expired -> {
                    LOG.warn("ZooKeeper session to {} expired; opening a new one", connectString);
                    ZooKeeper old = zk;
                    zk = connect();
                    closeQuietly(old);
                }
                default -> {}
            }
            return;
        }
        if (path.equals(event.getPath())) {
            read(); // created, changed or deleted: read again and watch again
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(zk);
    }

    private static void closeQuietly(ZooKeeper z) {
        try {
            z.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
