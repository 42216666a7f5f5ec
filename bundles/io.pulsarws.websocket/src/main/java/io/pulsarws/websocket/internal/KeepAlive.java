package io.pulsarws.websocket.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** Owns the one timer thread that sends the optional keep-alive pings, for exactly the component's lifetime. */
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

    /** Runs {@code task} every {@code seconds} until the returned future is cancelled. */
    ScheduledFuture<?> every(long seconds, Runnable task) {
        return timer.scheduleAtFixedRate(task, seconds, seconds, TimeUnit.SECONDS);
    }
}
