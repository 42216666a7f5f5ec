package io.pulsarws.websocket.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Owns the one timer thread of the endpoints, for exactly the component's lifetime: the optional keep-alive pings
 * and the end of sessions whose token expires.
 */
@Component(service = KeepAlive.class, immediate = true)
public class KeepAlive {
    private final ScheduledExecutorService timer;

    @Activate
    public KeepAlive() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pulsarws-keepalive");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    /** Runs {@code task} once after {@code millis}, unless the returned future is cancelled first. */
    ScheduledFuture<?> after(long millis, Runnable task) {
        return timer.schedule(task, Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} every {@code seconds} until the returned future is cancelled. */
    ScheduledFuture<?> every(long seconds, Runnable task) {
        return timer.scheduleAtFixedRate(task, seconds, seconds, TimeUnit.SECONDS);
    }
}
