package io.pulsarws.websocket.internal.edge;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the endpoints' own threads, for exactly the component's lifetime: one timer (the optional keep-alive pings,
 * the end of sessions whose token expires, and once a second the check for clients that stopped reading) and the
 * writers, which write the frames that Pulsar's callbacks
 * produce to the sockets, so that the Pulsar client's event loop never makes a socket write of its own.
 */
@Component(service = KeepAlive.class, immediate = true)
public class KeepAlive {
    private static final Logger LOG = LoggerFactory.getLogger(KeepAlive.class);

    private final ScheduledExecutorService timer;
    private final ExecutorService writers;
    /** What every socket has queued for its client, and which are over budget. */
    private final Outbound outbound = new Outbound();
    /** Refused handshakes and ended sessions, by code, since the endpoints started. */
    private final EdgeCounters counters = new EdgeCounters();
    /** Open sessions in total and per client address, WebSockets and HTTP streams and posts alike. */
    private final SessionLimits sessionLimits = new SessionLimits();
    /** Messages and request bodies being received, charged per principal and for the node. */
    private final Receiving receiving = new Receiving();
    /** Every open connection, for a drain to reach. */
    private final Connections connections = new Connections();
    /** WebSocket handshakes waiting for their producer or consumer (no thread each, a request's memory). */
    private final AtomicInteger pendingHandshakes = new AtomicInteger();
    /** HTTP fallback requests waiting for their producer or consumer; each holds a request thread. */
    private final AtomicInteger pendingHttpOpens = new AtomicInteger();

    @Activate
    public KeepAlive() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pulsarws-keepalive");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger n = new AtomicInteger();
        int size = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor pool =
                new ThreadPoolExecutor(size, size, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "pulsarws-writer-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.prestartAllCoreThreads(); // a fixed number of threads from the start, whatever the load
        writers = pool;
        timer.scheduleWithFixedDelay(guarded(() -> outbound.sweep(System.nanoTime())), 1, 1, TimeUnit.SECONDS);
    }

    /** @return the node's outbound queue accounting */
    public Outbound outbound() {
        return outbound;
    }

    /** @return the node's session counts, shared by every endpoint */
    public SessionLimits sessionLimits() {
        return sessionLimits;
    }

    /** @return the node's bytes of messages and bodies being received, shared by every endpoint */
    public Receiving receiving() {
        return receiving;
    }

    /** @return the node's open connections */
    public Connections connections() {
        return connections;
    }

    /** @return the WebSocket handshakes waiting for the session manager now */
    public AtomicInteger pendingHandshakes() {
        return pendingHandshakes;
    }

    /** @return the HTTP fallback requests waiting for the session manager now */
    public AtomicInteger pendingHttpOpens() {
        return pendingHttpOpens;
    }

    /** @return the counts of refused handshakes and ended sessions */
    public EdgeCounters counters() {
        return counters;
    }

    @Deactivate
    public void deactivate() {
        timer.shutdownNow();
        writers.shutdownNow();
    }

    /** Runs a socket's write task on a writer thread (dropped once the component is deactivated). */
    public void write(Runnable task) {
        try {
            writers.execute(task);
        } catch (RejectedExecutionException e) {
            // deactivated: the sockets are being closed anyway
        }
    }

    /** Runs {@code task} once after {@code millis}, unless the returned future is cancelled first. */
    public ScheduledFuture<?> after(long millis, Runnable task) {
        return timer.schedule(task, Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} every {@code millis} until the returned future is cancelled, whatever one run throws. */
    public ScheduledFuture<?> everyMillis(long millis, Runnable task) {
        return timer.scheduleAtFixedRate(guarded(task), 0, millis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} every {@code seconds} until the returned future is cancelled, whatever one run throws. */
    public ScheduledFuture<?> every(long seconds, Runnable task) {
        return timer.scheduleAtFixedRate(guarded(task), seconds, seconds, TimeUnit.SECONDS);
    }

    /**
     * A periodic task that throws is never run again by the executor: the slow-client check would stop for the
     * whole node. Logged instead, and the next run goes ahead.
     */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("A periodic task of the endpoints failed; it runs again as planned", e);
            }
        };
    }
}
