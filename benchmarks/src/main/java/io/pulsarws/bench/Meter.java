package io.pulsarws.bench;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts and latencies (microseconds) of one stream of events, read once a second: the {@link LoadTool} keeps the
 * seconds inside its measurement window and drops the warm-up.
 */
final class Meter {
    private final Recorder latencies = new Recorder(3);
    private final LongAdder count = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Histogram total = new Histogram(3);
    private long measured;
    private long lastCount;
    private long lastErrors;
    private volatile String firstError;

    /** Records one event that took {@code nanos}. */
    void record(long nanos) {
        latencies.recordValue(Math.max(0, nanos / 1000));
        count.increment();
    }

    void error(String reason) {
        if (firstError == null) {
            firstError = reason;
        }
        errors.increment();
    }

    long count() {
        return count.sum();
    }

    long errors() {
        return errors.sum();
    }

    String firstError() {
        return firstError;
    }

    /** One second's worth, which is added to the totals if {@code keep}. */
    Interval tick(boolean keep) {
        Histogram h = latencies.getIntervalHistogram();
        long c = count.sum();
        long e = errors.sum();
        Interval i = new Interval(c - lastCount, e - lastErrors, h.getValueAtPercentile(99));
        lastCount = c;
        lastErrors = e;
        if (keep) {
            total.add(h);
            measured += i.count;
        }
        return i;
    }

    /**
     * Adds what was recorded since the last tick to the totals' latencies without counting it as measured: the
     * answers to sends of the measured seconds that arrived after them, which must not vanish from the histogram.
     */
    void tail() {
        total.add(latencies.getIntervalHistogram());
        lastCount = count.sum();
        lastErrors = errors.sum();
    }

    Histogram total() {
        return total;
    }

    long measured() {
        return measured;
    }

    record Interval(long count, long errors, long p99Micros) {}
}
