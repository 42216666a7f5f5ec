package io.pulsarws.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
 * flood    one producer session with no window at all: sends as fast as the socket takes frames for --duration s;
 *          --results read (counted), ignored (read and dropped) or unread (never taken off the socket); what the
 *          broker stored is read from its topic stats (--admin http://broker-web)
 * fanout   --connections N readers of one topic (with --consume: consumers, each on a Shared subscription of its own)
 *          open all at once (the burst: none retried; how many were let in, refused, and the time until the last
 *          was open); the refused ones are then retried each second until all are open; then --messages M are
 *          published by the native client (--service-url) as fast as it goes, and every client acknowledges
 *          each delivery: deliveries per second to all, publish-to-delivery latency
 * churn    --connections C clients in a loop for --duration s (after --warmup s): each opens a consumer (Shared, on
 *          one subscription, receiverQueueSize=1), takes one message of a backlog published beforehand, acknowledges
 *          it and closes: cycles (handshakes) per second, handshake latency, refusals
 * held     --sessions N producer sessions of the raw client opened one after another, each sending one message
 *          and reading its result, then all held for --hold s: what a session keeps after using its compression
 *          (with --ws-client raw-deflate)
 * busy     --connections N consumers (each on a Shared subscription of its own) spread over --topics T topics, each
 *          topic published to by the native client at --rate R msg/s for --warmup + --duration s: every consumer
 *          receives R msg/s; the gateway's memory per busy session is read by the suite around it
 * </pre>
 * Common: --target ws://host:port | pulsar://host:port, --service-url pulsar://... (to prepare topics),
 * --batching (producers batch: {@code batchingEnabled=true} on WebSocket targets, as Pulsar's service reads it),
 * --topic NAME (in public/default), --size B|Nk (10 B .. 64k), --warmup S, --duration S, --label L, --result FILE,
 * --gateway-pid P, --broker-pid P and --clock-ticks T: the CPU of the gateway, the broker and the load tool itself is
 * read from /proc over the measured seconds only; --ws-client raw|raw-deflate|jdk: the WebSocket client of the
 * producer, consumer and e2e loads ({@link RawWsConnection}, the default, with permessage-deflate when raw-deflate,
 * or the JDK's; idle and flood use the JDK's); --payload filler|json: payloads of a stamp and filler bytes (the
 * default) or of JSON text ({@link Frames#json}).
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
            "max-seconds",
            "gateway-pid",
            "payload",
            "broker-pid",
            "clock-ticks",
            "ws-client",
            "warmup-messages",
            "results",
            "admin",
            "topics");
    /** WebSockets per JDK HttpClient in the fan-out load: each client has one selector thread. */
    private static final int SOCKETS_PER_CLIENT = 500;
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
            case "flood" -> tool.flood();
            case "fanout" -> tool.fanout();
            case "churn" -> tool.churn();
            case "busy" -> tool.busy();
            case "held" -> tool.held();
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
        try (Target target = Target.of(o.required("target"), 1024, o.flag("batching"), rawWebSocket(), deflate())) {
            Target.ConsumerLink consumer = delivered == null
                    ? null
                    : target.consumer(
                            o.required("topic"), "load", false, stamp -> delivered.record(System.nanoTime() - stamp));
            List<Sender> senders = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                senders.add(new Sender(
                        target, o.required("topic"), acks, rate > 0 || window == 0 ? RING - 1 : window, jsonPayload()));
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
            acks.tail(); // answers to sends of the measured seconds that came after them
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
    static void openLoop(List<Sender> senders, int rate, int size, AtomicInteger stop) {
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
    static final class Sender implements Target.Results {
        private final Target.ProducerLink link;
        private final Meter acks;
        private final Semaphore window;
        /** Send time (intended, in the open loop) of each context still in flight. */
        private final long[] sentAt = new long[RING];

        private final AtomicLong next = new AtomicLong();
        private final AtomicLong answered = new AtomicLong();
        /** Payloads of JSON text ({@link Frames#json}) instead of the stamp and filler. */
        private final boolean json;

        Sender(Target target, String topic, Meter acks, int window) throws Exception {
            this(target, topic, acks, window, false);
        }

        Sender(Target target, String topic, Meter acks, int window, boolean json) throws Exception {
            this.json = json;
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
            link.send(context, json ? Frames.json(size, stamp) : Frames.payload(size, stamp));
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
        // the first deliveries warm up the load tool and the gateway's consumer path; the rate and the CPU are of
        // the messages after them
        int warm = o.integer("warmup-messages", 0);
        int connections = o.integer("connections", 1);
        String topic = o.required("topic");
        String subscription = "drain";
        try (NativeTarget prepare = new NativeTarget(o.required("service-url"))) {
            prepare.subscribe(topic, subscription);
            long t0 = System.nanoTime();
            prepare.fill(topic, warm + messages, size());
            System.out.printf(
                    Locale.ROOT,
                    "[%s] backlog of %d + %d messages published in %.1f s%n",
                    label,
                    warm,
                    messages,
                    (System.nanoTime() - t0) / 1e9);
        }
        Drain drain = new Drain(warm, warm + messages);
        try (Target target = Target.of(o.required("target"), 1024, false, rawWebSocket(), deflate())) {
            List<Target.ConsumerLink> links = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                links.add(target.consumer(topic, subscription, true, stamp -> drain.delivered(System.nanoTime())));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.integer("duration", 120));
            CpuTimes cpu0 = null;
            int second = 0;
            long before = 0;
            while (!drain.done.await(1, TimeUnit.SECONDS) && System.nanoTime() < deadline) {
                if (cpu0 == null && drain.warmedUp.getCount() == 0) {
                    cpu0 = cpuTimes();
                }
                long n = drain.count();
                System.out.printf(Locale.ROOT, "[%s] %3ds delivered %d (%d msg/s)%n", label, ++second, n, n - before);
                before = n;
            }
            if (cpu0 == null && drain.warmedUp.await(0, TimeUnit.SECONDS)) {
                cpu0 = cpuTimes(); // the whole drain took less than a second: the CPU is of the tail only
            }
            if (cpu0 != null) {
                cpuTimes().since(cpu0, result);
            }
            long measured = Math.max(0, drain.count() - warm);
            double seconds = drain.seconds();
            double rate = Drain.rate(measured, seconds);
            result.setProperty("throughput", fmt(rate));
            result.setProperty("count", Long.toString(measured));
            result.setProperty("total", Long.toString(measured));
            result.setProperty("complete", Boolean.toString(drain.count() >= warm + messages));
            result.setProperty("seconds", fmt(seconds));
            System.out.printf(
                    Locale.ROOT,
                    "[%s] drained %d of %d messages (after %d of warm-up) in %.2f s: %.0f msg/s%n",
                    label,
                    measured,
                    messages,
                    warm,
                    seconds,
                    rate);
            links.forEach(Target.ConsumerLink::close);
        }
    }

    // ---------------------------------------------------------------- fanout

    private void fanout() throws Exception {
        int n = o.integer("connections", 100);
        int messages = o.integer("messages", 1000);
        String topic = o.required("topic");
        String base = o.required("target");
        if (!base.startsWith("ws")) {
            throw new IllegalArgumentException("the fan-out load is for WebSocket targets");
        }
        boolean consumers = o.flag("consume");
        List<java.net.http.HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < (n + SOCKETS_PER_CLIENT - 1) / SOCKETS_PER_CLIENT; i++) {
            clients.add(java.net.http.HttpClient.newHttpClient());
        }
        Meter latency = new Meter();
        AtomicLong firstDelivery = new AtomicLong();
        AtomicLong lastDelivery = new AtomicLong();
        java.util.function.BiConsumer<WsConnection, String> onFrame = acking(latency, now -> {
            firstDelivery.compareAndSet(0, now);
            lastDelivery.set(now);
        });
        java.util.function.IntFunction<java.net.URI> uri = i -> java.net.URI.create(base
                + (consumers
                        ? "/ws/v2/consumer/persistent/public/default/" + topic + "/fan-" + i
                                + "?subscriptionType=Shared&receiverQueueSize=" + WebSocketTarget.RECEIVER_QUEUE
                        : "/ws/v2/reader/persistent/public/default/" + topic + "?messageId=latest&receiverQueueSize="
                                + WebSocketTarget.RECEIVER_QUEUE));
        WsConnection[] open = new WsConnection[n];
        // the burst: every handshake started at once, none retried
        Meter handshakes = new Meter();
        Map<String, Integer> refusals = new java.util.TreeMap<>();
        AtomicLong lastOpen = new AtomicLong();
        long t0 = System.nanoTime();
        List<CompletableFuture<WsConnection>> burst = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long begun = System.nanoTime();
            burst.add(WsConnection.open(clients.get(i / SOCKETS_PER_CLIENT), uri.apply(i), onFrame, 64)
                    .whenComplete((c, e) -> {
                        if (e == null) {
                            long at = System.nanoTime();
                            handshakes.record(at - begun);
                            lastOpen.accumulateAndGet(at, Math::max);
                        }
                    }));
        }
        for (int i = 0; i < n; i++) {
            open[i] = await(burst.get(i), refusals);
        }
        long opened =
                java.util.Arrays.stream(open).filter(java.util.Objects::nonNull).count();
        double burstSeconds = lastOpen.get() == 0 ? Double.NaN : (lastOpen.get() - t0) / 1e9;
        handshakes.tick(true);
        Histogram hs = handshakes.total();
        result.setProperty("burstOpened", Long.toString(opened));
        result.setProperty("burstRefused", Long.toString(n - opened));
        result.setProperty("burstRefusals", refusals.toString());
        result.setProperty("burstSeconds", fmt(burstSeconds));
        result.setProperty("handshakeP50", fmt(hs.getValueAtPercentile(50) / 1000.0));
        result.setProperty("handshakeP99", fmt(hs.getValueAtPercentile(99) / 1000.0));
        System.out.printf(
                Locale.ROOT,
                "[%s] burst of %d: %d open after %.2f s, %d refused %s; handshake p50 %.0f ms, p99 %.0f ms%n",
                label,
                n,
                opened,
                burstSeconds,
                n - opened,
                refusals,
                hs.getValueAtPercentile(50) / 1000.0,
                hs.getValueAtPercentile(99) / 1000.0);
        // the refused ones again, each second, until all are open (bounded)
        int retries = 0;
        for (int round = 0; round < 30 && opened < n; round++) {
            Thread.sleep(1000); // the pause a refused client takes before it retries, not a wait for an event
            Map<String, Integer> again = new java.util.TreeMap<>();
            for (int i = 0; i < n; i++) {
                if (open[i] == null) {
                    retries++;
                    open[i] = await(
                            WsConnection.open(clients.get(i / SOCKETS_PER_CLIENT), uri.apply(i), onFrame, 64), again);
                }
            }
            opened = java.util.Arrays.stream(open)
                    .filter(java.util.Objects::nonNull)
                    .count();
        }
        result.setProperty("retries", Integer.toString(retries));
        result.setProperty("readers", Long.toString(opened));
        // the fan-out
        long expected = opened * (long) messages;
        CpuTimes cpu0 = cpuTimes();
        long published = System.nanoTime();
        try (NativeTarget producer = new NativeTarget(o.required("service-url"))) {
            producer.fill(topic, messages, size());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.integer("duration", 120));
        long before = 0;
        int second = 0;
        long stalledSince = System.nanoTime();
        while (latency.count() < expected && System.nanoTime() < deadline) {
            Thread.sleep(1000); // the progress line's period
            long c = latency.count();
            System.out.printf(
                    Locale.ROOT, "[%s] %3ds delivered %d of %d (%d/s)%n", label, ++second, c, expected, c - before);
            if (c > before) {
                stalledSince = System.nanoTime();
            } else if (System.nanoTime() - stalledSince > TimeUnit.SECONDS.toNanos(15)) {
                break; // nothing for 15 s: what came is what comes
            }
            before = c;
        }
        cpuTimes().since(cpu0, result);
        latency.tick(true);
        Histogram h = latency.total();
        long delivered = latency.count();
        double seconds = (lastDelivery.get() - firstDelivery.get()) / 1e9;
        double rate = delivered / Math.max(seconds, 1e-3);
        result.setProperty("throughput", fmt(rate));
        result.setProperty("count", Long.toString(delivered));
        result.setProperty("total", Long.toString(delivered));
        result.setProperty("expected", Long.toString(expected));
        result.setProperty("complete", Boolean.toString(delivered >= expected));
        result.setProperty("seconds", fmt(seconds));
        result.setProperty("untilLastSeconds", fmt((lastDelivery.get() - published) / 1e9));
        result.setProperty("p50", fmt(h.getValueAtPercentile(50) / 1000.0));
        result.setProperty("p99", fmt(h.getValueAtPercentile(99) / 1000.0));
        result.setProperty("p999", fmt(h.getValueAtPercentile(99.9) / 1000.0));
        System.out.printf(
                Locale.ROOT,
                "[%s] %d of %d deliveries to %d clients in %.2f s: %.0f/s; publish->delivery p50 %.0f ms, p99 %.0f ms%n",
                label,
                delivered,
                expected,
                opened,
                seconds,
                rate,
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0);
        for (WsConnection c : open) {
            if (c != null) {
                c.close();
            }
        }
    }

    // ---------------------------------------------------------------- churn

    private void churn() throws Exception {
        int clients = o.integer("connections", 200);
        int warmup = o.integer("warmup", 5);
        int duration = o.integer("duration", 20);
        String topic = o.required("topic");
        String base = o.required("target");
        if (!base.startsWith("ws")) {
            throw new IllegalArgumentException("the churn load is for WebSocket targets");
        }
        int backlog = o.integer("messages", 200_000);
        try (NativeTarget prepare = new NativeTarget(o.required("service-url"))) {
            prepare.subscribe(topic, "churn");
            prepare.fill(topic, backlog, size());
        }
        java.net.URI uri = java.net.URI.create(base + "/ws/v2/consumer/persistent/public/default/" + topic
                + "/churn?subscriptionType=Shared&receiverQueueSize=1");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        Meter handshakes = new Meter();
        Map<String, Integer> refusals = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicLong cycles = new AtomicLong();
        AtomicInteger stop = new AtomicInteger();
        java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            cycle(http, uri, handshakes, refusals, cycles, stop, ended);
        }
        for (int i = 0; i < warmup; i++) {
            Thread.sleep(1000); // the warm-up's seconds
            handshakes.tick(false);
        }
        CpuTimes cpu0 = cpuTimes();
        long c0 = cycles.get();
        long r0 = refusals.values().stream().mapToLong(Integer::longValue).sum();
        for (int i = 0; i < duration; i++) {
            Thread.sleep(1000); // the measured seconds
            Meter.Interval t = handshakes.tick(true);
            System.out.printf(
                    Locale.ROOT,
                    "[%s] %3ds %d handshakes/s, p99 %.1f ms, refused %s%n",
                    label,
                    i + 1,
                    t.count(),
                    t.p99Micros() / 1000.0,
                    refusals);
        }
        long measured = cycles.get() - c0;
        cpuTimes().since(cpu0, result);
        stop.set(1);
        ended.await(30, TimeUnit.SECONDS);
        Histogram h = handshakes.total();
        long refused = refusals.values().stream().mapToLong(Integer::longValue).sum() - r0;
        result.setProperty("throughput", fmt(measured / (double) duration));
        result.setProperty("count", Long.toString(measured));
        result.setProperty("total", Long.toString(measured));
        result.setProperty("refused", Long.toString(refused));
        result.setProperty("refusals", refusals.toString());
        result.setProperty("p50", fmt(h.getValueAtPercentile(50) / 1000.0));
        result.setProperty("p99", fmt(h.getValueAtPercentile(99) / 1000.0));
        result.setProperty("p999", fmt(h.getValueAtPercentile(99.9) / 1000.0));
        System.out.printf(
                Locale.ROOT,
                "[%s] %d clients: %.0f cycles/s (open, one message, close), %d refused; handshake p50 %.1f ms, p99 "
                        + "%.1f ms%n",
                label,
                clients,
                measured / (double) duration,
                refused,
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0);
    }

    /** One client's loop, without a thread of its own: open, take one message, ack it, close, again. */
    private static void cycle(
            java.net.http.HttpClient http,
            java.net.URI uri,
            Meter handshakes,
            Map<String, Integer> refusals,
            AtomicLong cycles,
            AtomicInteger stop,
            java.util.concurrent.CountDownLatch ended) {
        if (stop.get() != 0) {
            ended.countDown();
            return;
        }
        long begun = System.nanoTime();
        AtomicInteger taken = new AtomicInteger();
        WsConnection.open(
                        http,
                        uri,
                        (c, frame) -> {
                            String id = Frames.field(frame, "messageId");
                            if (id == null || Frames.field(frame, "payload") == null || !taken.compareAndSet(0, 1)) {
                                return;
                            }
                            try {
                                c.send(Frames.ack(id));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            c.close();
                            cycles.incrementAndGet();
                            cycle(http, uri, handshakes, refusals, cycles, stop, ended);
                        },
                        4)
                .whenComplete((c, e) -> {
                    if (e == null) {
                        handshakes.record(System.nanoTime() - begun);
                        return;
                    }
                    Throwable t = e.getCause() == null ? e : e.getCause();
                    refusals.merge(refusal(t), 1, Integer::sum);
                    handshakes.error(String.valueOf(t));
                    cycle(http, uri, handshakes, refusals, cycles, stop, ended); // a refused client tries again
                });
    }

    // ---------------------------------------------------------------- busy

    private void busy() throws Exception {
        int n = o.integer("connections", 1000);
        int topics = o.integer("topics", 100);
        int rate = o.integer("rate", 10);
        int warmup = o.integer("warmup", 5);
        int duration = o.integer("duration", 30);
        String topic = o.required("topic");
        String base = o.required("target");
        if (!base.startsWith("ws")) {
            throw new IllegalArgumentException("the busy load is for WebSocket targets");
        }
        List<java.net.http.HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < (n + SOCKETS_PER_CLIENT - 1) / SOCKETS_PER_CLIENT; i++) {
            clients.add(java.net.http.HttpClient.newHttpClient());
        }
        Meter latency = new Meter();
        java.util.function.BiConsumer<WsConnection, String> onFrame = acking(latency, now -> {});
        // opened 100 at a time: this load is about holding busy sessions, not about a burst
        WsConnection[] open = new WsConnection[n];
        Map<String, Integer> refusals = new java.util.TreeMap<>();
        for (int from = 0; from < n; from += 100) {
            List<CompletableFuture<WsConnection>> batch = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + 100); i++) {
                java.net.URI uri = java.net.URI.create(base + "/ws/v2/consumer/persistent/public/default/" + topic + "-"
                        + (i % topics) + "/busy-" + i + "?subscriptionType=Shared&receiverQueueSize="
                        + WebSocketTarget.RECEIVER_QUEUE);
                batch.add(WsConnection.open(clients.get(i / SOCKETS_PER_CLIENT), uri, onFrame, 64));
            }
            for (int i = 0; i < batch.size(); i++) {
                open[from + i] = await(batch.get(i), refusals);
            }
        }
        long opened =
                java.util.Arrays.stream(open).filter(java.util.Objects::nonNull).count();
        result.setProperty("sessions", Long.toString(opened));
        result.setProperty("refusals", refusals.toString());
        System.out.printf(Locale.ROOT, "[%s] %d of %d consumers open %s%n", label, opened, n, refusals);
        try (org.apache.pulsar.client.api.PulsarClient pulsar = org.apache.pulsar.client.api.PulsarClient.builder()
                .serviceUrl(o.required("service-url"))
                .build()) {
            List<org.apache.pulsar.client.api.Producer<byte[]>> producers = new ArrayList<>();
            for (int t = 0; t < topics; t++) {
                producers.add(pulsar.newProducer()
                        .topic("persistent://public/default/" + topic + "-" + t)
                        .enableBatching(false)
                        .create());
            }
            int size = size();
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            long next = System.nanoTime();
            long end = next + TimeUnit.SECONDS.toNanos(warmup + duration);
            long measureFrom = next + TimeUnit.SECONDS.toNanos(warmup);
            CpuTimes cpu0 = null;
            long count0 = 0;
            while (next < end) {
                LockSupport.parkNanos(next - System.nanoTime());
                if (cpu0 == null && System.nanoTime() >= measureFrom) {
                    cpu0 = cpuTimes();
                    latency.tick(false);
                    count0 = latency.count();
                }
                for (org.apache.pulsar.client.api.Producer<byte[]> p : producers) {
                    p.sendAsync(Frames.payload(size, System.nanoTime()));
                }
                next += period;
            }
            if (cpu0 != null) {
                cpuTimes().since(cpu0, result);
            }
            latency.tick(true);
            Histogram h = latency.total();
            long delivered = latency.count() - count0;
            result.setProperty("throughput", fmt(delivered / (double) duration));
            result.setProperty("count", Long.toString(delivered));
            result.setProperty("total", Long.toString(delivered));
            result.setProperty("p50", fmt(h.getValueAtPercentile(50) / 1000.0));
            result.setProperty("p99", fmt(h.getValueAtPercentile(99) / 1000.0));
            System.out.printf(
                    Locale.ROOT,
                    "[%s] %d consumers on %d topics at %d msg/s each: %.0f deliveries/s, publish->delivery p50 %.1f ms,"
                            + " p99 %.1f ms%n",
                    label,
                    opened,
                    topics,
                    rate,
                    delivered / (double) duration,
                    h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0);
            producers.forEach(org.apache.pulsar.client.api.Producer::closeAsync);
        }
        for (WsConnection c : open) {
            if (c != null) {
                c.close();
            }
        }
    }

    /**
     * @return a client's frame handler that acknowledges each delivered message, records its publish-to-delivery
     *     latency and tells {@code delivered} when it came; other frames are ignored
     */
    private static java.util.function.BiConsumer<WsConnection, String> acking(
            Meter latency, java.util.function.LongConsumer delivered) {
        return (c, frame) -> {
            String id = Frames.field(frame, "messageId");
            String payload = Frames.field(frame, "payload");
            if (id == null || payload == null) {
                return; // not a message
            }
            long now = System.nanoTime();
            try {
                c.send(Frames.ack(id));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            latency.record(now - Frames.stampOfBase64(payload));
            delivered.accept(now);
        };
    }

    /** @return the open connection, or null with its refusal counted (by status, or by failure) */
    private static WsConnection await(CompletableFuture<WsConnection> f, Map<String, Integer> refusals) {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            refusals.merge(refusal(e.getCause() == null ? e : e.getCause()), 1, Integer::sum);
            return null;
        }
    }

    /** @return why a handshake failed: {@code HTTP <status>} when answered, else the failure's class */
    private static String refusal(Throwable t) {
        return t instanceof java.net.http.WebSocketHandshakeException h
                ? "HTTP " + h.getResponse().statusCode()
                : t.getClass().getSimpleName();
    }

    /** The deliveries of a drain: when the warm-up ended, when the last came, how many. */
    static final class Drain {
        private final int warm;
        private final int all;
        private final AtomicLong count = new AtomicLong();
        private volatile long warmedAt;
        private volatile long lastAt;
        final java.util.concurrent.CountDownLatch warmedUp = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

        Drain(int warm, int all) {
            this.warm = warm;
            this.all = all;
            if (warm == 0) {
                warmedAt = System.nanoTime();
                warmedUp.countDown();
            }
        }

        /** One delivery at {@code now} (nanoTime). */
        void delivered(long now) {
            long n = count.incrementAndGet();
            lastAt = now;
            if (n == warm) {
                warmedAt = now;
                warmedUp.countDown();
            }
            if (n == all) {
                done.countDown();
            }
        }

        long count() {
            return count.get();
        }

        /** @return seconds from the end of the warm-up (or the start) to the last delivery */
        double seconds() {
            return warmedUp.getCount() == 0 ? Math.max(0, lastAt - warmedAt) / 1e9 : 0;
        }

        /** @return messages per second; 0 when no time passed */
        static double rate(long messages, double seconds) {
            return seconds > 0 ? messages / seconds : 0;
        }
    }

    // ---------------------------------------------------------------- e2e

    private void e2e() throws Exception {
        int rate = o.integer("rate", 1000);
        int size = size();
        String topic = o.required("topic");
        Meter acks = new Meter();
        Meter delivered = new Meter();
        try (Target target = Target.of(o.required("target"), 1024, false, rawWebSocket(), deflate())) {
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
            acks.tail();
            result.setProperty("unanswered", Long.toString(sender.inFlight()));
            // every acknowledged message must reach the consumer: wait for the last ones, then compare
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (delivered.count() < acks.count() && System.nanoTime() < deadline) {
                Thread.sleep(50); // deliveries arrive on the client's threads; this only reads their count
            }
            delivered.tail();
            result.setProperty("acked", Long.toString(acks.count()));
            result.setProperty("deliveredAll", Long.toString(delivered.count()));
            summary("send->ack", acks, sendToAck);
            Histogram e2e = delivered.total();
            result.setProperty("e2eP50", fmt(e2e.getValueAtPercentile(50) / 1000.0));
            result.setProperty("e2eP90", fmt(e2e.getValueAtPercentile(90) / 1000.0));
            result.setProperty("e2eP9999", fmt(e2e.getValueAtPercentile(99.99) / 1000.0));
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

    /**
     * {@code --sessions N} producer sessions of the raw client (with {@code --ws-client raw-deflate}, each with
     * permessage-deflate), opened one after another, each sending one message of {@code --size} bytes and reading its
     * result, then all held for {@code --hold} seconds and closed; twice. The gateway's live heap, RSS and committed
     * heap are read after a full GC before, while holding and after closing each round: what a session that has used
     * its compression keeps of it, and whether what stays behind grows with every session or levels off.
     */
    private void held() throws Exception {
        int sessions = o.integer("sessions", 1000);
        long pid = o.integer("gateway-pid", -1);
        if (pid <= 0) {
            throw new IllegalArgumentException("the held load needs --gateway-pid");
        }
        String heapBefore = Footprint.histogram(pid); // a full GC first
        double rss0 = ProcStats.rssMb(pid);
        double heap0 = ProcStats.committedHeapMb(pid);
        long refused = 0;
        for (int round = 1; round <= 2; round++) {
            List<WsLink> open = openHeld(sessions, o.required("topic") + "-" + round);
            refused += sessions - open.size();
            // the load itself: the sessions stay open this long while the suite samples the gateway's RSS
            Thread.sleep(TimeUnit.SECONDS.toMillis(o.integer("hold", 10)));
            if (round == 1) {
                result.setProperty("sessions", Integer.toString(open.size()));
                footprint(pid, heapBefore, open.size()); // a full GC
            } else {
                Footprint.histogram(pid);
            }
            readMemory("held" + round, pid, rss0, heap0, open.size());
            open.forEach(WsLink::close);
            awaitClosed(open);
            Footprint.histogram(pid);
            readMemory("closed" + round, pid, rss0, heap0, Math.max(1, open.size()));
        }
        result.setProperty("refused", Long.toString(refused));
    }

    /** Waits until the gateway has answered every close (each link has its close code), at most 30 s. */
    private static void awaitClosed(List<WsLink> links) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (links.stream().anyMatch(l -> l.closeCode() < 0) && System.nanoTime() < deadline) {
            Thread.sleep(50); // a poll interval of the condition above
        }
    }

    /** Records RSS and native memory (RSS beyond the committed heap) per session since the start of the load. */
    private void readMemory(String when, long pid, double rss0, double heap0, int sessions) throws Exception {
        String file = o.string("result", null);
        if (file != null) {
            // the whole class histogram (zlib's Inflater and Deflater objects among it) beside the result
            Files.writeString(
                    Paths.get(file.replaceFirst("\\.properties$", "") + "-histogram-" + when + ".txt"),
                    Footprint.histogram(pid));
        }
        double rss = ProcStats.rssMb(pid);
        double heap = ProcStats.committedHeapMb(pid);
        double rssKib = (rss - rss0) * 1024 / sessions;
        double nativeKib = ((rss - rss0) - (heap - heap0)) * 1024 / sessions;
        result.setProperty(when + ".rssKibPerSession", fmt(rssKib));
        result.setProperty(when + ".nativeKibPerSession", fmt(nativeKib));
        System.out.printf(
                Locale.ROOT,
                "[%s] %s, after a full GC: RSS +%.1f KiB per session, of which outside the heap %.1f KiB (committed"
                        + " heap %+.0f MiB)%n",
                label,
                when,
                rssKib,
                nativeKib,
                heap - heap0);
    }

    /** Opens producer sessions one after another, each sending one message and reading its result. */
    private List<WsLink> openHeld(int sessions, String topic) throws Exception {
        List<WsLink> open = new ArrayList<>();
        long refused = 0;
        java.util.concurrent.LinkedBlockingQueue<String> answers = new java.util.concurrent.LinkedBlockingQueue<>();
        long t0 = System.nanoTime();
        URI uri = URI.create(o.required("target") + "/ws/v2/producer/persistent/public/default/" + topic);
        for (int i = 0; i < sessions; i++) {
            try {
                RawWsConnection c = RawWsConnection.open(uri, (link, frame) -> answers.add(frame), deflate());
                c.send(Frames.produce(jsonPayload() ? Frames.json(size(), i) : Frames.payload(size(), i), i));
                String answer = answers.poll(30, TimeUnit.SECONDS);
                if (answer == null || !answer.contains("\"ok\"")) {
                    throw new IOException("no ok result: " + answer);
                }
                open.add(c);
            } catch (IOException e) {
                refused++;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "[%s] %d sessions open, one message each, %d failed, %.1f s; holding them%n",
                label,
                open.size(),
                refused,
                (System.nanoTime() - t0) / 1e9);
        return open;
    }

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
        // the gateway's live heap before the sessions: what they add is measured against it
        long pid = o.integer("gateway-pid", -1);
        String heapBefore = pid > 0 ? Footprint.histogram(pid) : null;
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
        if (heapBefore != null && stillOpen > 0) {
            footprint(pid, heapBefore, stillOpen);
        }
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

    /**
     * The footprint of one held session on the gateway: its live heap by owner (Jetty, the gateway's session, the
     * Pulsar client, JDK types), with the classes that grew most written beside the result. (Its RSS comes from the
     * peak the suite samples, see {@link Report#rssPerSession}.)
     */
    private void footprint(long pid, String heapBefore, long sessions) throws Exception {
        String heapHeld = Footprint.histogram(pid);
        Map<String, Long> before = Footprint.parse(heapBefore);
        Map<String, Long> held = Footprint.parse(heapHeld);
        Footprint.perSession(before, held, sessions)
                .forEach((group, bytes) -> result.setProperty("heapPerSession." + group, fmt(bytes)));
        String file = o.string("result", null);
        if (file != null) {
            Files.write(
                    Paths.get(file.replaceFirst("\\.properties$", "") + "-footprint.txt"),
                    Footprint.top(before, held, sessions, 25));
        }
        System.out.printf(
                Locale.ROOT,
                "[%s] per session: %.1f KiB live heap%n",
                label,
                Double.parseDouble(result.getProperty("heapPerSession.total")) / 1024);
    }

    // ---------------------------------------------------------------- flood

    /**
     * A producer that never waits for its results: it sends as fast as the socket takes frames. What counts is what
     * the broker stored, read from the topic's own counter ({@code msgInCounter}), not what the client was told.
     */
    private void flood() throws Exception {
        String results = o.string("results", "read");
        if (!List.of("read", "ignored", "unread").contains(results)) {
            throw new IllegalArgumentException("--results must be read, ignored or unread");
        }
        String url = o.required("target");
        if (!url.startsWith("ws")) {
            throw new IllegalArgumentException("the flood is for WebSocket targets");
        }
        int size = size();
        int duration = o.integer("duration", 20);
        String topic = o.required("topic");
        BrokerStats stats = new BrokerStats(o.required("admin"), topic);
        Meter answers = new Meter();
        WebSocketTarget target = new WebSocketTarget(url, 1024, false);
        WsConnection c = target.openProducer(
                        topic,
                        (connection, frame) -> {
                            if (results.equals("read")) {
                                String r = Frames.field(frame, "result");
                                if ("ok".equals(r)) {
                                    answers.record(0);
                                } else {
                                    answers.error(r + ": " + Frames.field(frame, "errorMsg"));
                                }
                            }
                        },
                        !results.equals("unread"))
                .get(60, TimeUnit.SECONDS);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(duration);
        AtomicLong sent = new AtomicLong();
        Thread sender = thread("flood", () -> {
            try {
                for (long i = 0; c.closeCode() < 0 && System.nanoTime() - end < 0; i++) {
                    if (!c.offer(Frames.produce(Frames.payload(size, System.nanoTime()), i), end)) {
                        return;
                    }
                    sent.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sender.start();
        long storedBefore = 0;
        for (int second = 1; second <= duration; second++) {
            long wake = start + TimeUnit.SECONDS.toNanos(second);
            while (System.nanoTime() < wake) {
                LockSupport.parkNanos(wake - System.nanoTime());
            }
            long stored = stats.stored();
            System.out.printf(
                    Locale.ROOT,
                    "[%s] %3ds sent %d, stored %d (%d/s), results %s%s%n",
                    label,
                    second,
                    sent.get(),
                    stored,
                    stored - storedBefore,
                    results.equals("read") ? answers.count() + " ok, " + answers.errors() + " refused" : results,
                    c.closeCode() < 0 ? "" : ", closed " + c.closeCode() + " " + c.closeReason());
            storedBefore = stored;
        }
        long storedInWindow = stats.stored();
        sender.join(TimeUnit.SECONDS.toMillis(5));
        // what the gateway still holds is stored after the window: wait until the counter stands still
        long storedTotal = stats.settled(TimeUnit.SECONDS.toNanos(60));
        result.setProperty("sent", Long.toString(sent.get()));
        result.setProperty("storedInWindow", Long.toString(storedInWindow));
        result.setProperty("storedTotal", Long.toString(storedTotal));
        result.setProperty("throughput", fmt(storedInWindow / (double) duration));
        result.setProperty("seconds", Integer.toString(duration));
        result.setProperty("count", Long.toString(storedInWindow));
        result.setProperty("total", Long.toString(storedInWindow));
        result.setProperty("errors", Long.toString(answers.errors()));
        result.setProperty("okResults", Long.toString(answers.count()));
        if (answers.firstError() != null) {
            result.setProperty("firstError", answers.firstError());
        }
        if (c.closeCode() >= 0) {
            result.setProperty("closed", c.closeCode() + " " + c.closeReason());
        }
        System.out.printf(
                Locale.ROOT,
                "[%s] %d s: sent %d, the broker stored %d in the window (%.0f/s) and %d in all; %s%n",
                label,
                duration,
                sent.get(),
                storedInWindow,
                storedInWindow / (double) duration,
                storedTotal,
                results.equals("read")
                        ? answers.count() + " ok, " + answers.errors() + " refused"
                        : "results " + results);
        c.abort();
    }

    /** A topic's counter of messages the broker stored, from its admin REST API. */
    static final class BrokerStats {
        private static final java.util.regex.Pattern IN =
                java.util.regex.Pattern.compile("\"msgInCounter\"\\s*:\\s*(\\d+)");
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        private final java.net.URI uri;

        BrokerStats(String admin, String topic) {
            this.uri = java.net.URI.create(
                    admin.replaceAll("/$", "") + "/admin/v2/persistent/public/default/" + topic + "/stats");
        }

        /** @return messages stored on the topic so far (0 before the topic exists) */
        long stored() throws IOException, InterruptedException {
            java.net.http.HttpResponse<String> r = http.send(
                    java.net.http.HttpRequest.newBuilder(uri)
                            .timeout(java.time.Duration.ofSeconds(10))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) {
                return 0;
            }
            return msgInCounter(r.body());
        }

        /** @return the counter once it stood still for 2 s (or after {@code maxNanos}) */
        long settled(long maxNanos) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + maxNanos;
            long last = stored();
            long still = System.nanoTime();
            while (System.nanoTime() - still < TimeUnit.SECONDS.toNanos(2) && System.nanoTime() < deadline) {
                Thread.sleep(250); // the broker's counter is polled; nothing here waits for an event
                long now = stored();
                if (now != last) {
                    last = now;
                    still = System.nanoTime();
                }
            }
            return last;
        }

        /** @return the {@code msgInCounter} of a topic stats document */
        static long msgInCounter(String stats) {
            java.util.regex.Matcher m = IN.matcher(stats);
            if (!m.find()) {
                throw new IllegalStateException("no msgInCounter in the topic stats: " + stats);
            }
            return Long.parseLong(m.group(1));
        }
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
        CpuTimes cpu0 = warmup == 0 ? cpuTimes() : null;
        long wireIn0 = RawWsConnection.WIRE_IN.sum();
        long wireOut0 = RawWsConnection.WIRE_OUT.sum();
        for (int second = 1; second <= warmup + duration; second++) {
            long wake = start + TimeUnit.SECONDS.toNanos(second);
            while (System.nanoTime() < wake) {
                LockSupport.parkNanos(wake - System.nanoTime());
            }
            boolean keep = second > warmup;
            Meter.Interval i = acks.tick(keep);
            if (second == warmup) {
                cpu0 = cpuTimes(); // the measured seconds start now
                wireIn0 = RawWsConnection.WIRE_IN.sum();
                wireOut0 = RawWsConnection.WIRE_OUT.sum();
            }
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
        if (cpu0 != null) {
            cpuTimes().since(cpu0, result);
        }
        // the raw client's socket bytes over the measured seconds, both ways (0 with the JDK's client)
        result.setProperty("wireIn", Long.toString(RawWsConnection.WIRE_IN.sum() - wireIn0));
        result.setProperty("wireOut", Long.toString(RawWsConnection.WIRE_OUT.sum() - wireOut0));
        return acks.total();
    }

    /**
     * CPU seconds (user and system) used so far by the gateway, the broker and this load tool: on one machine, all
     * three share the cores, so what one spends per message the others cannot. NaN for a process whose pid was not
     * given (the native client has no gateway).
     */
    /**
     * The CPU seconds of the gateway, the broker and the load tool, and the write calls of the gateway and the read
     * calls of the load tool ({@code /proc/PID/io}: how many socket writes its frames took, how many reads the
     * clients made for them), at one moment.
     */
    record CpuTimes(double gateway, double broker, double tool, long gatewayWrites, long toolReads) {
        /** Writes what each process used from {@code start} to this reading. */
        void since(CpuTimes start, Properties into) {
            into.setProperty("gatewayCpuMeasured", fmt(gateway - start.gateway));
            into.setProperty("brokerCpuMeasured", fmt(broker - start.broker));
            into.setProperty("toolCpuMeasured", fmt(tool - start.tool));
            if (gatewayWrites >= 0 && start.gatewayWrites >= 0) {
                into.setProperty("gatewayWrites", Long.toString(gatewayWrites - start.gatewayWrites));
            }
            if (toolReads >= 0 && start.toolReads >= 0) {
                into.setProperty("toolReads", Long.toString(toolReads - start.toolReads));
            }
        }
    }

    private CpuTimes cpuTimes() {
        ProcStats proc = new ProcStats(o.integer("clock-ticks", 100));
        int gateway = o.integer("gateway-pid", -1);
        int broker = o.integer("broker-pid", -1);
        return new CpuTimes(
                gateway <= 0 ? Double.NaN : proc.cpuSeconds(gateway),
                broker <= 0 ? Double.NaN : proc.cpuSeconds(broker),
                proc.cpuSeconds(ProcessHandle.current().pid()),
                gateway <= 0 ? -1 : ProcStats.ioCount(gateway, "syscw"),
                ProcStats.ioCount(ProcessHandle.current().pid(), "syscr"));
    }

    private boolean rawWebSocket() {
        String client = o.string("ws-client", "raw");
        if (!client.equals("raw") && !client.equals("raw-deflate") && !client.equals("jdk")) {
            throw new IllegalArgumentException("--ws-client must be raw, raw-deflate or jdk, not " + client);
        }
        return !client.equals("jdk");
    }

    /** @return true for {@code --ws-client raw-deflate}: the raw client with permessage-deflate */
    private boolean deflate() {
        return rawWebSocket() && o.string("ws-client", "raw").equals("raw-deflate");
    }

    /** @return true for {@code --payload json}: payloads of JSON text instead of the stamp and filler */
    private boolean jsonPayload() {
        String kind = o.string("payload", "filler");
        if (!kind.equals("filler") && !kind.equals("json")) {
            throw new IllegalArgumentException("--payload must be filler or json, not " + kind);
        }
        return kind.equals("json");
    }

    private void summary(String what, Meter m, Histogram h) {
        int duration = o.integer("duration", 20);
        double rate = m.measured() / (double) duration;
        result.setProperty("throughput", fmt(rate));
        result.setProperty("count", Long.toString(m.measured()));
        result.setProperty("total", Long.toString(m.count())); // warm-up included, for CPU per message
        result.setProperty("errors", Long.toString(m.errors()));
        result.setProperty("p50", fmt(h.getValueAtPercentile(50) / 1000.0));
        result.setProperty("p90", fmt(h.getValueAtPercentile(90) / 1000.0));
        result.setProperty("p99", fmt(h.getValueAtPercentile(99) / 1000.0));
        result.setProperty("p9999", fmt(h.getValueAtPercentile(99.99) / 1000.0));
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
