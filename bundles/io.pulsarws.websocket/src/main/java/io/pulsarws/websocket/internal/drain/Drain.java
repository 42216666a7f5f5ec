package io.pulsarws.websocket.internal.drain;

import io.pulsarws.websocket.drain.DrainStatus;
import io.pulsarws.websocket.drain.NodeDrain;
import io.pulsarws.websocket.internal.edge.Connections;
import io.pulsarws.websocket.internal.edge.Drainable;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.WebSocketSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's drain ({@link NodeDrain}). While draining, {@link Connections#acceptingNew()} is false, which the
 * endpoints and {@code /ready} ask; a timer asks the connections to close, spread over the period ({@link DrainPlan}), each with {@value
 * #FINISH_MILLIS} ms to finish what it owes its client.
 *
 * <p>The node's stop drains too, without any configuration: when the framework begins to stop (the system bundle's
 * STOPPING event, delivered synchronously before any bundle stops) and when this component is deactivated (the
 * endpoints' bundle stopping, or {@link KeepAlive} going away, whose dependents are deactivated before it is), the
 * drain runs with the configured period and the stop waits for it, at most the period plus {@value #FINISH_MILLIS} ms
 * and a second.
 */
@Component(service = NodeDrain.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
public class Drain implements NodeDrain, Connections.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);
    /** How often the timer looks for connections due. */
    static final long TICK_MILLIS = 100;
    /** How long a connection asked to close may take to finish what it owes (answers, acks) before it is closed. */
    static final long FINISH_MILLIS = 10_000;

    private final KeepAlive keepAlive;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile WebSocketSettings settings;

    private final BundleContext context;
    private final SynchronousBundleListener frameworkStopping = this::bundleChanged;
    private final DrainJmx jmx;

    /** Guards the drain's state below; waited on by {@link #await}. */
    private final Object lock = new Object();

    private boolean draining;
    private Instant since;
    private Duration period;
    private DrainPlan plan;
    private ScheduledFuture<?> ticker;
    /** Connections asked to close and not yet ended. */
    private final Set<Drainable> asked = new HashSet<>();

    @Activate
    public Drain(@Reference(name = "keepAlive") KeepAlive keepAlive, BundleContext context) {
        this.keepAlive = keepAlive;
        this.context = context;
        keepAlive.connections().listen(this);
        context.addBundleListener(frameworkStopping);
        jmx = new DrainJmx(this);
    }

    @Override
    public DrainStatus start(Duration requested) {
        Duration p = requested != null ? requested : Duration.ofSeconds(configuredPeriod());
        if (p.isNegative()) {
            throw new IllegalArgumentException("a drain period cannot be negative");
        }
        synchronized (lock) {
            if (!draining) {
                draining = true;
                keepAlive.connections().acceptNew(false);
                since = Instant.now();
                period = p;
                Connections connections = keepAlive.connections();
                plan = new DrainPlan(connections.snapshot(), System.nanoTime(), p.toNanos());
                ticker = keepAlive.everyMillis(TICK_MILLIS, this::tick);
                LOG.info(
                        "Draining this node: new clients refused with 503, /ready 503; {} connection(s) to close over"
                                + " {} s",
                        connections.size(),
                        p.toMillis() / 1000.0);
            }
            return statusLocked();
        }
    }

    @Override
    public DrainStatus resume() {
        synchronized (lock) {
            if (draining) {
                draining = false;
                keepAlive.connections().acceptNew(true);
                cancelTicker();
                plan = null;
                LOG.info(
                        "Drain ended: serving new clients again ({} connection(s) open)",
                        keepAlive.connections().size());
            }
            return statusLocked();
        }
    }

    @Override
    public DrainStatus status() {
        synchronized (lock) {
            return statusLocked();
        }
    }

    @Override
    public DrainStatus await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (keepAlive.connections().size() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return statusLocked();
        }
    }

    private DrainStatus statusLocked() {
        return new DrainStatus(
                draining,
                draining ? since : null,
                draining ? period : null,
                keepAlive.connections().size(),
                plan == null ? 0 : plan.asked(),
                keepAlive.connections().drained());
    }

    /** Asks the connections due now; outside the lock, since a connection may end (and call back) at once. */
    private void tick() {
        List<Drainable> due;
        synchronized (lock) {
            if (plan == null) {
                return;
            }
            due = plan.due(System.nanoTime());
            asked.addAll(due);
        }
        for (Drainable c : due) {
            try {
                c.drain(FINISH_MILLIS);
            } catch (RuntimeException e) {
                LOG.warn("Draining a connection failed", e);
            }
        }
    }

    @Override
    public void opened(Drainable c) {
        synchronized (lock) {
            if (plan != null) {
                plan.add(c); // decided before the drain began: it leaves with the rest
            }
        }
    }

    @Override
    public void closed(Drainable c) {
        synchronized (lock) {
            if (asked.remove(c)) {
                keepAlive.connections().drainedOne();
            }
            if (plan != null) {
                plan.remove(c);
            }
            lock.notifyAll();
        }
    }

    /** @return the configured period, or the default without settings (they may be gone while stopping) */
    private int configuredPeriod() {
        WebSocketSettings s = settings;
        return s == null ? 10 : s.drainPeriodSeconds();
    }

    private void bundleChanged(BundleEvent e) {
        if (e.getType() == BundleEvent.STOPPING && e.getBundle().getBundleId() == 0) {
            drainForStop("the framework is stopping");
        }
    }

    /** Drains with the configured period and waits for it, bounded; nothing to do when no connection is open. */
    private void drainForStop(String why) {
        if (keepAlive.connections().size() == 0) {
            return;
        }
        DrainStatus s = start(null);
        LOG.info("{}: draining {} connection(s) first", why, s.open());
        try {
            DrainStatus after = await(s.period().plusMillis(FINISH_MILLIS + 1000));
            LOG.info("{}: drained; {} connection(s) still open", why, after.open());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(frameworkStopping);
        drainForStop("The endpoints are stopping");
        synchronized (lock) {
            cancelTicker();
            plan = null;
        }
        keepAlive.connections().listen(null);
        jmx.close();
    }

    private void cancelTicker() {
        if (ticker != null) {
            ticker.cancel(false);
            ticker = null;
        }
    }
}
