package io.pulsarws.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The load tool: one load against one target, a progress line a second, a summary at the end, and the figures in
 * a properties file for {@link Suite}.
 *
 * <pre>
 * produce  closed loop: --window N messages in flight on each of --connections C (a window of 0: unbounded, the
 *          flood); or open loop: --rate R msg/s spread over the connections, latency measured from each message's
 *          intended send time (corrected for coordinated omission); --consume also runs a consumer on the topic
 * consume  --messages M are published first (native client, unbatched), then drained by --connections consumers
 *          that acknowledge each message
 * e2e      consumers on the topic, then an open-loop producer at --rate: publish-to-delivery and send-to-ack latency
 * idle     opens --sessions N producer sessions (--connections handshakes at a time, for at most --max-seconds)
 *          and holds them --hold s
 * </pre>
 * Common: --target ws://host:port | pulsar://host:port, --service-url pulsar://... (to prepare topics),
 * --batching (producers batch: {@code batchingEnabled=true} on WebSocket targets, as Pulsar's service reads it),
 * --topic NAME (in public/default), --size B|Nk (10 B .. 64k), --warmup S, --duration S, --label L, --result FILE.
 */
public final class LoadTool {
    private static final List<String> OPTIONS = List.of(
            "target",
            "service-url",
            "topic",
            "connections",
            "window",
            "rate",
            "size",
            "warmup",
            "duration",
            "messages",
            "sessions",
            "hold",
            "label",
            "result",
            "consume",
            "batching",
            "max-seconds");
    /** In-flight sends tracked per connection; the open loop and the flood never have more. */
    private static final int RING = 1 << 17;

    private final Options o;
    private final String label;
    private final Properties result = new Properties();

    private LoadTool(Options o) {
        this.o = o;
        this.label = o.string("label", "load");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println(
                    "usage: LoadTool produce|consume|e2e|idle --target URL [options]; see the class comment");
            System.exit(2);
        }
        LoadTool tool;
        try {
            tool = new LoadTool(new Options(args, 1, OPTIONS));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String mode = args[0];
        switch (mode) {
            case "produce" -> tool.produce();
            case "consume" -> tool.consume();
            case "e2e" -> tool.e2e();
            case "idle" -> tool.idle();
            default -> {
                System.err.println("unknown load " + mode);
                System.exit(2);
            }
        }
        tool.result.setProperty("mode", mode);
        // the load tool's own CPU: on one machine, it competes with what it measures
        tool.result.setProperty(
                "clientCpu",
                fmt(((com.sun.management.OperatingSystemMXBean)
                                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                                .getProcessCpuTime()
                        / 1e9));
        tool.save();
        System.exit(0); // client threads (HttpClient, Pulsar) must not keep the JVM
    }

    private int size() {
        int size = o.size("size", 100);
        if (size < Frames.MIN_PAYLOAD || size > 64 * 1024) {
            throw new IllegalArgumentException("--size must be 10 .. 64k");
        }
        return size;
    }

    // ---------------------------------------------------------------- produce

    private void produce() throws Exception {
        int connections = o.integer("connections", 1);
        int window = o.integer("window", 200);
        int rate = o.integer("rate", 0);
        int size = size();
        Meter acks = new Meter();
        Meter delivered = o.flag("consume") ? new Meter() : null;
        try (Target target = Target.of(o.required("target"), 1024, o.flag("batching"))) {
            Target.ConsumerLink consumer = delivered == null
                    ? null
                    : target.consumer(
                            o.required("topic"), "load", false, stamp -> delivered.record(System.nanoTime() - stamp));
            List<Sender> senders = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                senders.add(new Sender(target, o.required("topic"), acks, rate > 0 || window == 0 ? RING - 1 : window));
            }
            AtomicInteger stop = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            if (rate > 0) {
                threads.add(thread("open-loop", () -> openLoop(senders, rate, size, stop)));
            } else {
                for (Sender s : senders) {
                    threads.add(thread("closed-loop", () -> s.closedLoop(size, stop)));
                }
            }
            threads.forEach(Thread::start);
            Histogram h = measure(acks, delivered, senders);
            stop.set(1);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            drain(senders);
            long unanswered = senders.stream().mapToLong(Sender::inFlight).sum();
            result.setProperty("unanswered", Long.toString(unanswered));
            summary("send->ack", acks, h);
            senders.forEach(Sender::close);
            if (consumer != null) {
                consumer.close();
            }
        }
    }

    /** Sends at {@code rate} msg/s on the connections in turn, each stamped with its intended time. */
    private static void openLoop(List<Sender> senders, int rate, int size, AtomicInteger stop) {
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (long i = 0; stop.get() == 0; i++) {
            long intended = start + i * period;
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!senders.get((int) (i % senders.size())).send(intended, size)) {
                return;
            }
        }
    }

    /** One producer session and its sends in flight. */
    private static final class Sender implements Target.Results {
        private final Target.ProducerLink link;
        private final Meter acks;
        private final Semaphore window;
        /** Send time (intended, in the open loop) of each context still in flight. */
        private final long[] sentAt = new long[RING];

        private final AtomicLong next = new AtomicLong();
        private final AtomicLong answered = new AtomicLong();

        Sender(Target target, String topic, Meter acks, int window) throws Exception {
            this.acks = acks;
            this.window = new Semaphore(window);
            this.link = target.producer(topic, this);
        }

        void closedLoop(int size, AtomicInteger stop) {
            while (stop.get() == 0) {
                try {
                    if (window.tryAcquire(100, TimeUnit.MILLISECONDS) && !send0(System.nanoTime(), size)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Open loop: waits for room in the window (the wait counts in the latency, as it should). */
        boolean send(long intended, int size) {
            try {
                while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (link.closedBecause() != null) {
                        return false;
                    }
                }
                return send0(intended, size);
            } catch (InterruptedException e) {
                return false;
            }
        }

        private boolean send0(long stamp, int size) throws InterruptedException {
            if (link.closedBecause() != null) {
                acks.error("session closed: " + link.closedBecause());
                return false;
            }
            long context = next.getAndIncrement();
            sentAt[(int) (context & (RING - 1))] = stamp;
            link.send(context, Frames.payload(size, stamp));
            return true;
        }

        @Override
        public void completed(long context, String reason) {
            if (context < 0) {
                acks.error("result frame without a context");
                return;
            }
            long took = System.nanoTime() - sentAt[(int) (context & (RING - 1))];
            if (reason == null) {
                acks.record(took);
            } else {
                acks.error(reason);
            }
            answered.incrementAndGet();
            window.release();
        }

        long inFlight() {
            return next.get() - answered.get();
        }

        void close() {
            link.close();
        }
    }

    /** Waits (up to 30 s) for the answers to every send made. */
    private static void drain(List<Sender> senders) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (senders.stream().anyMatch(s -> s.inFlight() > 0 && s.link.closedBecause() == null)
                && System.nanoTime() < deadline) {
            Thread.sleep(50); // the answers arrive on the client's threads; this only looks at their count
        }
    }

    // ---------------------------------------------------------------- consume

    private void consume() throws Exception {
        int messages = o.integer("messages", 50_000);
        int connections = o.integer("connections", 1);
        String topic = o.required("topic");
        String subscription = "drain";
        try (NativeTarget prepare = new NativeTarget(o.required("service-url"))) {
            prepare.subscribe(topic, subscription);
            long t0 = System.nanoTime();
            prepare.fill(topic, messages, size());
            System.out.printf(
                    Locale.ROOT,
                    "[%s] backlog of %d messages published in %.1f s%n",
                    label,
                    messages,
                    (System.nanoTime() - t0) / 1e9);
        }
        Meter delivered = new Meter();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        try (Target target = Target.of(o.required("target"), 1024, false)) {
            List<Target.ConsumerLink> links = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                links.add(target.consumer(topic, subscription, true, stamp -> {
                    long now = System.nanoTime();
                    first.compareAndSet(0, now);
                    last.set(now);
                    delivered.record(now - stamp);
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.integer("duration", 120));
            int second = 0;
            while (delivered.count() < messages && System.nanoTime() < deadline) {
                Thread.sleep(1000);
                Meter.Interval i = delivered.tick(true);
                System.out.printf(
                        Locale.ROOT,
                        "[%s] %3ds delivered %d (%d msg/s)%n",
                        label,
                        ++second,
                        delivered.count(),
                        i.count());
            }
            long n = delivered.count();
            double seconds = Math.max(1e-9, (last.get() - first.get()) / 1e9);
            double rate = n > 1 ? (n - 1) / seconds : 0;
            result.setProperty("throughput", fmt(rate));
            result.setProperty("count", Long.toString(n));
            result.setProperty("total", Long.toString(n));
            result.setProperty("complete", Boolean.toString(n >= messages));
            result.setProperty("seconds", fmt(seconds));
            System.out.printf(
                    Locale.ROOT,
                    "[%s] drained %d of %d messages in %.2f s: %.0f msg/s%n",
                    label,
                    n,
                    messages,
                    seconds,
                    rate);
            links.forEach(Target.ConsumerLink::close);
        }
    }

    // ---------------------------------------------------------------- e2e

    private void e2e() throws Exception {
        int rate = o.integer("rate", 1000);
        int size = size();
        String topic = o.required("topic");
        Meter acks = new Meter();
        Meter delivered = new Meter();
        try (Target target = Target.of(o.required("target"), 1024, false)) {
            Target.ConsumerLink consumer =
                    target.consumer(topic, "e2e", false, stamp -> delivered.record(System.nanoTime() - stamp));
            Sender sender = new Sender(target, topic, acks, RING - 1);
            AtomicInteger stop = new AtomicInteger();
            Thread t = thread("open-loop", () -> openLoop(List.of(sender), rate, size, stop));
            t.start();
            Histogram sendToAck = measure(acks, delivered, List.of(sender));
            stop.set(1);
            t.join(TimeUnit.SECONDS.toMillis(30));
            drain(List.of(sender));
            summary("send->ack", acks, sendToAck);
            Histogram e2e = delivered.total();
            result.setProperty("e2eP50", fmt(e2e.getValueAtPercentile(50) / 1000.0));
            result.setProperty("e2eP99", fmt(e2e.getValueAtPercentile(99) / 1000.0));
            result.setProperty("e2eP999", fmt(e2e.getValueAtPercentile(99.9) / 1000.0));
            result.setProperty("e2eMax", fmt(e2e.getMaxValue() / 1000.0));
            result.setProperty("delivered", Long.toString(delivered.measured()));
            System.out.printf(
                    Locale.ROOT,
                    "[%s] publish->delivery ms: p50 %.2f p99 %.2f p99.9 %.2f max %.2f (%d)%n",
                    label,
                    e2e.getValueAtPercentile(50) / 1000.0,
                    e2e.getValueAtPercentile(99) / 1000.0,
                    e2e.getValueAtPercentile(99.9) / 1000.0,
                    e2e.getMaxValue() / 1000.0,
                    delivered.measured());
            sender.close();
            consumer.close();
        }
    }

    // ---------------------------------------------------------------- idle

    private void idle() throws Exception {
        int sessions = o.integer("sessions", 10_000);
        int parallel = o.integer("connections", 32);
        int topics = 10;
        String topic = o.required("topic");
        String url = o.required("target");
        if (!url.startsWith("ws")) {
            throw new IllegalArgumentException("the idle load is for WebSocket targets");
        }
        WebSocketTarget target = new WebSocketTarget(url, 4, false);
        Semaphore handshakes = new Semaphore(parallel);
        List<WsConnection> open = java.util.Collections.synchronizedList(new ArrayList<>());
        Meter opened = new Meter();
        long t0 = System.nanoTime();
        long giveUp = t0 + TimeUnit.SECONDS.toNanos(o.integer("max-seconds", 180));
        int started = 0;
        for (int i = 0; i < sessions; i++) {
            while (!handshakes.tryAcquire(1, TimeUnit.SECONDS)) {
                if (System.nanoTime() > giveUp) {
                    break;
                }
            }
            if (System.nanoTime() > giveUp) {
                System.out.printf(
                        Locale.ROOT,
                        "[%s] stopped after %d s: %d handshakes started%n",
                        label,
                        o.integer("max-seconds", 180),
                        i);
                result.setProperty("gaveUp", "true");
                break;
            }
            started++;
            long begun = System.nanoTime();
            CompletableFuture<WsConnection> f = target.openProducer(topic + "-" + (i % topics), (c, frame) -> {});
            f.whenComplete((c, e) -> {
                handshakes.release();
                if (e == null) {
                    open.add(c);
                    opened.record(System.nanoTime() - begun);
                } else {
                    opened.error(String.valueOf(e.getCause() == null ? e : e.getCause()));
                }
            });
            if ((i + 1) % 1000 == 0) {
                System.out.printf(
                        Locale.ROOT,
                        "[%s] %d handshakes started, %d open, %d refused, %.1f s%n",
                        label,
                        i + 1,
                        opened.count(),
                        opened.errors(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        result.setProperty("started", Integer.toString(started));
        // every handshake has ended (or has had its 30 s connect timeout)
        if (!handshakes.tryAcquire(parallel, 60, TimeUnit.SECONDS)) {
            System.out.printf("[%s] some handshakes never ended%n", label);
        }
        double openSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "[%s] %d sessions open after %.1f s (%d refused%s); holding %d s%n",
                label,
                opened.count(),
                openSeconds,
                opened.errors(),
                opened.firstError() == null ? "" : ", first: " + opened.firstError(),
                o.integer("hold", 15));
        Thread.sleep(TimeUnit.SECONDS.toMillis(o.integer("hold", 15)));
        long stillOpen = open.stream().filter(WsConnection::isOpen).count();
        opened.tick(true);
        Histogram h = opened.total();
        result.setProperty("opened", Long.toString(opened.count()));
        result.setProperty("refused", Long.toString(opened.errors()));
        result.setProperty("stillOpen", Long.toString(stillOpen));
        result.setProperty("openSeconds", fmt(openSeconds));
        result.setProperty("handshakeP99", fmt(h.getValueAtPercentile(99) / 1000.0));
        if (opened.firstError() != null) {
            result.setProperty("firstError", opened.firstError());
        }
        System.out.printf(
                Locale.ROOT,
                "[%s] after %d s: %d of %d sessions still open; handshake p50 %.1f ms, " + "p99 %.1f ms%n",
                label,
                o.integer("hold", 15),
                stillOpen,
                sessions,
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0);
        open.forEach(WsConnection::abort);
    }

    // ---------------------------------------------------------------- shared

    /**
     * Ticks once a second through the warm-up and the measured seconds, printing progress.
     *
     * @return the send-to-ack latencies of the measured seconds
     */
    private Histogram measure(Meter acks, Meter delivered, List<Sender> senders) throws InterruptedException {
        int warmup = o.integer("warmup", 5);
        int duration = o.integer("duration", 20);
        long start = System.nanoTime();
        for (int second = 1; second <= warmup + duration; second++) {
            long wake = start + TimeUnit.SECONDS.toNanos(second);
            while (System.nanoTime() < wake) {
                LockSupport.parkNanos(wake - System.nanoTime());
            }
            boolean keep = second > warmup;
            Meter.Interval i = acks.tick(keep);
            String d = "";
            if (delivered != null) {
                Meter.Interval di = delivered.tick(keep);
                d = String.format(Locale.ROOT, ", delivered %d/s p99 %.2f ms", di.count(), di.p99Micros() / 1000.0);
            }
            long inFlight = senders.stream().mapToLong(Sender::inFlight).sum();
            System.out.printf(
                    Locale.ROOT,
                    "[%s] %3ds%s acked %d/s, p99 %.2f ms, in flight %d, errors %d%s%n",
                    label,
                    second,
                    keep ? "" : " (warm-up)",
                    i.count(),
                    i.p99Micros() / 1000.0,
                    inFlight,
                    acks.errors(),
                    d);
            String closed = senders.stream()
                    .map(s -> s.link.closedBecause())
                    .filter(r -> r != null)
                    .findFirst()
                    .orElse(null);
            if (closed != null) {
                acks.error("session closed: " + closed);
                System.out.printf("[%s] a producer session was closed: %s%n", label, closed);
                break;
            }
        }
        result.setProperty("seconds", Integer.toString(duration));
        return acks.total();
    }

    private void summary(String what, Meter m, Histogram h) {
        int duration = o.integer("duration", 20);
        double rate = m.measured() / (double) duration;
        result.setProperty("throughput", fmt(rate));
        result.setProperty("count", Long.toString(m.measured()));
        result.setProperty("total", Long.toString(m.count())); // warm-up included, for CPU per message
        result.setProperty("errors", Long.toString(m.errors()));
        result.setProperty("p50", fmt(h.getValueAtPercentile(50) / 1000.0));
        result.setProperty("p99", fmt(h.getValueAtPercentile(99) / 1000.0));
        result.setProperty("p999", fmt(h.getValueAtPercentile(99.9) / 1000.0));
        result.setProperty("max", fmt(h.getMaxValue() / 1000.0));
        if (m.firstError() != null) {
            result.setProperty("firstError", m.firstError());
        }
        System.out.printf(
                Locale.ROOT,
                "[%s] %d s measured: %.0f msg/s; %s ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f; " + "errors %d%s%n",
                label,
                duration,
                rate,
                what,
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0,
                m.errors(),
                m.firstError() == null ? "" : " (first: " + m.firstError() + ")");
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private void save() throws IOException {
        String file = o.string("result", null);
        if (file != null) {
            Path p = Paths.get(file);
            Files.createDirectories(p.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(p)) {
                result.store(out, label);
            }
        }
    }
}
