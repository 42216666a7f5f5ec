package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The endpoints' timer: a periodic task that throws once keeps its schedule. */
class KeepAliveTest {

    @Test
    void aPeriodicTaskThatThrowsRunsAgain() throws Exception {
        KeepAlive k = new KeepAlive();
        try {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch second = new CountDownLatch(2);
            ScheduledFuture<?> f = k.every(1, () -> {
                second.countDown();
                if (runs.incrementAndGet() == 1) {
                    throw new IllegalStateException("the first run fails");
                }
            });
            // without the guard the executor cancels the task after the first run, and this waits in vain
            assertTrue(second.await(5, TimeUnit.SECONDS), "runs: " + runs.get());
            f.cancel(false);
        } finally {
            k.deactivate();
        }
    }
}
