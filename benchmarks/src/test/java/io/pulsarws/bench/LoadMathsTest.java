package io.pulsarws.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The load tool's arithmetic: what is measured, what is warm-up, and latency from the intended send time. */
class LoadMathsTest {

    @Test
    void theWarmUpIsCutAndLateAnswersStayInTheHistogram() {
        Meter m = new Meter();
        m.record(TimeUnit.MILLISECONDS.toNanos(500)); // warm-up
        m.tick(false);
        m.record(TimeUnit.MILLISECONDS.toNanos(2));
        m.record(TimeUnit.MILLISECONDS.toNanos(4));
        m.tick(true);
        m.record(TimeUnit.MILLISECONDS.toNanos(90)); // answered after the measured seconds
        m.tail();
        assertEquals(2, m.measured(), "throughput counts the measured seconds only");
        assertEquals(4, m.count());
        Histogram h = m.total();
        assertEquals(3, h.getTotalCount(), "the late answer is in the latencies, the warm-up is not");
        assertTrue(h.getMaxValue() >= 89_000 && h.getMaxValue() < 100_000, "max " + h.getMaxValue());
    }

    @Test
    void aDrainIsTimedFromTheEndOfItsWarmUp() {
        long s = TimeUnit.SECONDS.toNanos(1);
        LoadTool.Drain d = new LoadTool.Drain(2, 6);
        for (int i = 1; i <= 6; i++) {
            d.delivered(i * s); // the warm-up ends with the second delivery, at 2 s
        }
        assertEquals(0, d.done.getCount());
        assertEquals(4.0, d.seconds(), 1e-9);
        assertEquals(1.0, LoadTool.Drain.rate(d.count() - 2, d.seconds()), 1e-9, "4 messages in 4 s");
        assertEquals(0.0, LoadTool.Drain.rate(5, 0));
    }

    @Test
    void theBrokersCounterIsReadFromItsTopicStats() {
        assertEquals(
                123456,
                LoadTool.BrokerStats.msgInCounter(
                        "{\"msgRateIn\":1.5,\"msgInCounter\" : 123456,\"bytesInCounter\":99}"));
    }

    @Test
    void eachLoadStartsWithTheNextTarget() {
        List<String> t = List.of("proxy", "ours", "native");
        assertEquals(t, Suite.rotated(t, 0));
        assertEquals(List.of("ours", "native", "proxy"), Suite.rotated(t, 1));
        assertEquals(List.of("native", "proxy", "ours"), Suite.rotated(t, 5));
    }

    /**
     * Coordinated omission: a producer that stalls for 300 ms delays every message due meanwhile, and those
     * messages' latencies must say so. Measured from the actual send time they would all look instant here, since
     * this fake broker answers at once.
     */
    @Test
    void openLoopLatencyCountsFromTheIntendedSendTime() throws Exception {
        Meter acks = new Meter();
        AtomicInteger sends = new AtomicInteger();
        Target stalling = new FakeTarget(() -> {
            if (sends.incrementAndGet() == 50) {
                Thread.sleep(300); // the socket takes nothing for 300 ms
            }
        });
        LoadTool.Sender sender = new LoadTool.Sender(stalling, "t", acks, 1 << 16);
        AtomicInteger stop = new AtomicInteger();
        Thread loop = new Thread(() -> LoadTool.openLoop(List.of(sender), 1000, 100, stop));
        loop.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (acks.count() < 600 && System.nanoTime() < deadline) {
            Thread.sleep(10); // a bounded poll inside a deadline
        }
        stop.set(1);
        loop.join(5000);
        acks.tick(true);
        Histogram h = acks.total();
        assertTrue(h.getMaxValue() >= 290_000, "the stalled message waited 300 ms: max " + h.getMaxValue() + " us");
        long delayed = h.getCountBetweenValues(100_000, Long.MAX_VALUE / 2);
        assertTrue(delayed >= 150, "messages due during the stall count its wait: " + delayed + " over 100 ms");
    }

    /** A target whose producer answers every send at once, after an optional stall in the send itself. */
    private static final class FakeTarget implements Target {
        interface Stall {
            void before() throws InterruptedException;
        }

        private final Stall stall;

        FakeTarget(Stall stall) {
            this.stall = stall;
        }

        @Override
        public ProducerLink producer(String topic, Results results) {
            return new ProducerLink() {
                @Override
                public void send(long context, byte[] payload) throws InterruptedException {
                    stall.before();
                    results.completed(context, null);
                }

                @Override
                public String closedBecause() {
                    return null;
                }

                @Override
                public void close() {}
            };
        }

        @Override
        public ConsumerLink consumer(String topic, String subscription, boolean shared, Deliveries deliveries) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
