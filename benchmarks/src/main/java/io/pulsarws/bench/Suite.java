package io.pulsarws.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The side-by-side run: one Pulsar standalone broker, Pulsar's own stand-alone WebSocket proxy and this gateway in
 * Karaf (each on free loopback ports, each with the same heap), the same loads against each and against the
 * native Java client, and a table of ratios. {@code benchmarks/run.sh} calls it with the build's paths.
 */
public final class Suite {
    private static final List<String> OPTIONS = List.of(
            "work",
            "broker-classpath",
            "launcher-classes",
            "assembly",
            "classpath",
            "quick",
            "profile",
            "profile-tool",
            "idle-sessions",
            "rss-bound",
            "heap",
            "only",
            "authz-users",
            "ws-client",
            "fanout",
            "fanout-shared",
            "docs");

    private final Options o;
    private final Path work;
    private final boolean quick;
    private final Children children = new Children();
    private final ProcStats proc;
    /** USER_HZ: clock ticks per second of /proc's CPU times. */
    private final double ticks;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Gateway> gateways = new ArrayList<>();
    /** load name → target name → figures */
    private final Map<String, Map<String, Properties>> results = new LinkedHashMap<>();

    private final List<String> notes = new ArrayList<>();
    private String serviceUrl;
    private String webServiceUrl;
    private long brokerPid = -1;
    private int proxyPort;
    private int karafPort;
    private final long stamp = System.currentTimeMillis() / 1000;
    /** Loads run so far: each starts with the next target in turn, so that drift does not fall on one target. */
    private int rounds;

    /** A gateway under test (its pid for CPU and memory), or the native client (pid -1). */
    record Gateway(String name, String url, long pid) {
        boolean isWebSocket() {
            return pid > 0;
        }
    }

    private Suite(Options o) throws IOException, InterruptedException {
        this.o = o;
        this.work = Paths.get(o.string("work", "benchmarks/target/run")).toAbsolutePath();
        this.quick = o.flag("quick");
        this.ticks = clockTicks();
        this.proc = new ProcStats(ticks);
    }

    public static void main(String[] args) throws Exception {
        Suite s = new Suite(new Options(args, 0, OPTIONS));
        Runtime.getRuntime().addShutdownHook(new Thread(s.children::stopAll, "stop-children"));
        try {
            s.run();
        } finally {
            s.stopBroker();
            s.children.stopAll();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(work);
        deleteTree(work.resolve("results"));
        startBroker();
        Process proxy = startPulsarProxy();
        double bareKaraf = bareKarafRss();
        Process karaf = startKaraf();
        Gateway pulsarProxy = new Gateway("Pulsar proxy", "ws://127.0.0.1:" + proxyPort, proxy.pid());
        Gateway ours = new Gateway("ours", "ws://127.0.0.1:" + karafPort, karaf.pid());
        Gateway nativeClient = new Gateway("native", serviceUrl, -1);
        gateways.addAll(List.of(pulsarProxy, ours, nativeClient));
        awaitHttp("Pulsar's WebSocket proxy", proxy, "http://127.0.0.1:" + proxyPort + "/", false);
        awaitHttp("the Karaf gateway", karaf, "http://127.0.0.1:" + karafPort + "/ready", true);
        // the same heap for both: ours gets it through the assembly's bin/setenv (Karaf's Unix scripts ignore
        // JAVA_MAX_MEM), so check what its JVM was given
        String cmdline = Files.readString(Paths.get("/proc", Long.toString(karaf.pid()), "cmdline"))
                .replace('\0', ' ');
        if (!cmdline.contains("-Xmx" + heap())) {
            notes.add("our gateway's JVM did not get -Xmx" + heap() + ": its memory rows are not comparable");
        }
        for (Gateway g : gateways) {
            if (g.isWebSocket()) {
                record("idle-rss", g, rss(g, "at start"));
            }
        }
        record("karaf-bare-rss", ours, bareKaraf);

        // both gateways run their hot paths until the JIT has compiled them (which takes 15-20 s of load here), so
        // that the figures are of steady state, not of warming up
        for (Gateway g : List.of(pulsarProxy, ours)) {
            runLoad(
                    "jit-warm-up",
                    "produce",
                    g,
                    List.of(
                            "--window",
                            "200",
                            "--size",
                            "100",
                            "--consume",
                            "--warmup",
                            "0",
                            "--duration",
                            quick ? "10" : "30",
                            "--topic",
                            "bench-warm-up-" + g.name().replace(' ', '-') + "-" + stamp),
                    false);
        }
        int d = quick ? 5 : 15;
        int w = quick ? 3 : 8;
        load("produce-100", "produce", List.of("--connections", "1", "--window", "200", "--size", "100"), w, d);
        load("produce-100-4c", "produce", List.of("--connections", "4", "--window", "200", "--size", "100"), w, d);
        load(
                "produce-100-batch",
                "produce",
                List.of("--connections", "1", "--window", "200", "--size", "100", "--batching"),
                w,
                d);
        load("produce-10", "produce", List.of("--connections", "1", "--window", "200", "--size", "10"), w, d);
        load("produce-64k", "produce", List.of("--connections", "1", "--window", "50", "--size", "64k"), w, d);
        load("consume-100", "consume", drainArgs(), 0, 120);
        load("rate-1k", "produce", List.of("--rate", "1000", "--size", "100"), w, d + 5);
        load("rate-5k", "produce", List.of("--rate", "5000", "--size", "100"), w, d);
        load("e2e-1k", "e2e", List.of("--rate", "1000", "--size", "100"), w, d);
        int sessions = o.integer("idle-sessions", quick ? 1000 : idleSessions());
        for (Gateway g : selected("idle") ? inTurn(List.of(ours, pulsarProxy)) : List.<Gateway>of()) {
            idle(g, sessions);
        }
        for (String reading : List.of("read", "ignored", "unread")) {
            for (Gateway g : selected("flood-" + reading) ? inTurn(List.of(ours, pulsarProxy)) : List.<Gateway>of()) {
                flood(g, reading, quick ? 8 : 20);
            }
        }
        load(
                "busy-1000",
                "busy",
                List.of(
                        "--connections",
                        quick ? "200" : "1000",
                        "--topics",
                        quick ? "20" : "100",
                        "--rate",
                        "10",
                        "--size",
                        "100",
                        "--service-url",
                        serviceUrl),
                w,
                quick ? 10 : 30,
                false);
        // the HTTP fallback (ours only: Pulsar's proxy has none), against our own WebSocket figures above
        Gateway fallback = new Gateway("ours", ours.url().replace("ws://", "http://"), ours.pid());
        if (selected("post-100")) {
            String topic = "bench-post-100-" + stamp;
            results.computeIfAbsent("post-100", k -> new LinkedHashMap<>())
                    .put(
                            "ours",
                            runLoad(
                                    "post-100",
                                    "produce",
                                    fallback,
                                    List.of(
                                            "--connections",
                                            "1",
                                            "--window",
                                            "200",
                                            "--size",
                                            "100",
                                            "--topic",
                                            topic,
                                            "--warmup",
                                            Integer.toString(w),
                                            "--duration",
                                            Integer.toString(d)),
                                    o.flag("profile")));
        }
        if (selected("sse-consume-100")) {
            results.computeIfAbsent("sse-consume-100", k -> new LinkedHashMap<>())
                    .put(
                            "ours",
                            runLoad(
                                    "sse-consume-100",
                                    "consume",
                                    fallback,
                                    concat(
                                            drainArgs(),
                                            List.of("--topic", "bench-sse-consume-100-" + stamp, "--duration", "120")),
                                    false));
        }
        load(
                "churn-200",
                "churn",
                List.of(
                        "--connections",
                        "200",
                        "--messages",
                        quick ? "50000" : "200000",
                        "--size",
                        "100",
                        "--service-url",
                        serviceUrl),
                w,
                d,
                false);
        for (String n : o.string("fanout", quick ? "100,500" : "100,1000,5000").split(",")) {
            for (Gateway g : selected("fanout-" + n) ? inTurn(List.of(ours, pulsarProxy)) : List.<Gateway>of()) {
                fanout(g, Integer.parseInt(n.trim()), false);
            }
        }
        for (String n :
                o.string("fanout-shared", quick ? "100" : "100,1000,5000").split(",")) {
            for (Gateway g :
                    selected("fanout-shared-" + n.trim()) ? inTurn(List.of(ours, pulsarProxy)) : List.<Gateway>of()) {
                fanout(g, Integer.parseInt(n.trim()), true);
            }
        }
        if (selected("deflate")) {
            deflate(ours, w, d);
        }
        for (Gateway g : List.of(ours, pulsarProxy)) {
            record("final-rss", g, rss(g, "at the end"));
        }
        if (selected("authz")) {
            authz(o.integer("authz-users", quick ? 200 : 1000));
        }
        String table = new Report(results, gateways, o.integer("rss-bound", 1024), notes).markdown(machine());
        Path out = work.resolve("results.md");
        Files.writeString(out, table);
        System.out.println();
        System.out.println(table);
        System.out.println("Written to " + out);
        List<Path> charts = Charts.write(results, work.resolve("charts"));
        String docs = o.string("docs", null);
        if (docs != null && !quick && o.string("only", null) == null) {
            // a full run's pictures belong with docs/benchmarks.md; a quick or partial run's do not
            charts = Charts.write(results, Paths.get(docs));
        }
        System.out.println("Charts: " + charts);
    }

    // ------------------------------------------------------------------ the loads

    /**
     * permessage-deflate on our gateway (Pulsar's proxy is not asked: its Jetty is set up by Pulsar): the same
     * producer with a consumer, 1 KiB payloads of JSON text, once without and once with compression, in turn; then
     * 1,000 sessions that each sent one compressed message (or not) held, for what a session keeps afterwards.
     */
    private void deflate(Gateway ours, int w, int d) throws Exception {
        List<String> clients = rounds++ % 2 == 0 ? List.of("raw", "raw-deflate") : List.of("raw-deflate", "raw");
        for (String client : clients) {
            String name = client.equals("raw") ? "deflate-off" : "deflate-on";
            results.computeIfAbsent(name, k -> new LinkedHashMap<>())
                    .put(
                            "ours",
                            runLoad(
                                    name,
                                    "produce",
                                    ours,
                                    List.of(
                                            "--connections",
                                            "1",
                                            "--window",
                                            "200",
                                            "--size",
                                            "1k",
                                            "--payload",
                                            "json",
                                            "--consume",
                                            "--ws-client",
                                            client,
                                            "--topic",
                                            "bench-" + name + "-" + stamp,
                                            "--warmup",
                                            Integer.toString(w),
                                            "--duration",
                                            Integer.toString(d)),
                                    o.flag("profile")));
        }
        for (String client : clients) {
            String name = client.equals("raw") ? "held-plain" : "held-deflate";
            results.computeIfAbsent(name, k -> new LinkedHashMap<>())
                    .put(
                            "ours",
                            runLoad(
                                    name,
                                    "held",
                                    ours,
                                    List.of(
                                            "--sessions",
                                            quick ? "200" : "1000",
                                            "--size",
                                            "1k",
                                            "--payload",
                                            "json",
                                            "--hold",
                                            "10",
                                            "--ws-client",
                                            client,
                                            "--topic",
                                            "bench-" + name + "-" + stamp),
                                    false));
        }
    }

    /** The arguments of the backlog drains (consume-100 and its event-stream twin): the same backlog for both. */
    private List<String> drainArgs() {
        return List.of(
                "--messages",
                quick ? "5000" : "400000",
                "--warmup-messages",
                quick ? "1000" : "40000",
                "--size",
                "100",
                "--service-url",
                serviceUrl);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Runs a load against each target in turn, with the gateway's CPU and memory around it. */
    private void load(String name, String mode, List<String> args, int warmup, int duration) throws Exception {
        load(name, mode, args, warmup, duration, true);
    }

    /** @param withNative false for a load of WebSocket targets only */
    private void load(String name, String mode, List<String> args, int warmup, int duration, boolean withNative)
            throws Exception {
        if (!selected(name)) {
            return;
        }
        for (Gateway g : inTurn(
                withNative
                        ? gateways
                        : gateways.stream().filter(Gateway::isWebSocket).toList())) {
            String topic = "bench-" + name + "-" + g.name().replace(' ', '-').toLowerCase(Locale.ROOT) + "-" + stamp;
            List<String> a = new ArrayList<>(args);
            a.addAll(List.of(
                    "--topic", topic, "--warmup", Integer.toString(warmup), "--duration", Integer.toString(duration)));
            boolean profile = o.flag("profile")
                    && "ours".equals(g.name())
                    && name.matches("produce-100|consume-100|churn-200|busy-1000");
            Properties p = runLoad(name, mode, g, a, profile);
            results.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(g.name(), p);
        }
    }

    /** @return the targets, starting with the next one in turn (one step further for each load) */
    private List<Gateway> inTurn(List<Gateway> targets) {
        return rotated(targets, rounds++);
    }

    /** @return the list rotated left by {@code by} places */
    static <T> List<T> rotated(List<T> list, int by) {
        List<T> out = new ArrayList<>(list);
        java.util.Collections.rotate(out, -(by % Math.max(1, list.size())));
        return out;
    }

    /** {@code --only a,b}: run just these loads (names as in the results), for work on one figure. */
    private boolean selected(String load) {
        String only = o.string("only", null);
        return only == null || List.of(only.split(",")).contains(load);
    }

    private Properties runLoad(String name, String mode, Gateway g, List<String> args, boolean profile)
            throws Exception {
        Path result = work.resolve("results").resolve(name + "-" + g.name().replace(' ', '-') + ".properties");
        List<String> cmd = new ArrayList<>(
                List.of(java(), "-Xms256m", "-Xmx2g", "-XX:+UseG1GC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        if (o.flag("profile-tool")) {
            // the load tool shares the cores with what it measures: its own profile says what it spent them on
            Path toolJfr = work.resolve("profile").resolve(name + "-" + g.name().replace(' ', '-') + "-tool.jfr");
            Files.createDirectories(toolJfr.getParent());
            cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + toolJfr);
            notes.add("profile of the load tool in " + name + " against " + g.name() + ": " + toolJfr);
        }
        cmd.addAll(List.of(
                "-cp",
                o.required("classpath"),
                LoadTool.class.getName(),
                mode,
                "--target",
                g.url(),
                "--label",
                g.name() + " " + name,
                "--result",
                result.toString()));
        cmd.addAll(args);
        cmd.addAll(
                List.of("--broker-pid", Long.toString(brokerPid), "--clock-ticks", Long.toString(Math.round(ticks))));
        if (!args.contains("--ws-client")) {
            cmd.addAll(List.of("--ws-client", o.string("ws-client", "raw")));
        }
        if (g.isWebSocket()) {
            // the load tool reads the gateway's CPU over its measured seconds only
            cmd.addAll(List.of("--gateway-pid", Long.toString(g.pid())));
        }
        System.out.println("== " + name + " against " + g.name() + " (" + g.url() + ")");
        Path jfr = work.resolve("profile").resolve(name + ".jfr");
        if (profile) {
            Files.createDirectories(jfr.getParent());
            jcmd(g.pid(), "JFR.start", "name=bench", "settings=profile", "filename=" + jfr);
        }
        double cpu0 = g.isWebSocket() ? proc.cpuSeconds(g.pid()) : Double.NaN;
        double sys0 = g.isWebSocket() ? proc.systemSeconds(g.pid()) : Double.NaN;
        double rssBefore = g.isWebSocket() ? ProcStats.rssMb(g.pid()) : Double.NaN;
        Sampler rss = new Sampler(g.pid());
        Process p = children.start(new ProcessBuilder(cmd).inheritIO());
        rss.start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            Children.stop(p, 5);
            notes.add(name + " against " + g.name() + " did not finish in 15 minutes and was stopped");
        }
        rss.stop();
        double cpu = g.isWebSocket() ? proc.cpuSeconds(g.pid()) - cpu0 : Double.NaN;
        double sys = g.isWebSocket() ? proc.systemSeconds(g.pid()) - sys0 : Double.NaN;
        if (profile) {
            jcmd(g.pid(), "JFR.stop", "name=bench");
            notes.add("profile of " + name + " on our gateway: " + jfr);
        }
        Properties props = new Properties();
        if (Files.exists(result)) {
            try (InputStream in = Files.newInputStream(result)) {
                props.load(in);
            }
        } else {
            notes.add(name + " against " + g.name() + " wrote no result (exit " + (p.isAlive() ? "-" : p.exitValue())
                    + ")");
        }
        if (g.isWebSocket()) {
            props.setProperty("gatewayCpu", LoadTool.fmt(cpu));
            props.setProperty("gatewaySystemCpu", LoadTool.fmt(sys));
            System.out.printf(
                    Locale.ROOT,
                    "== %s CPU during %s: %.1f s (%.1f s system), load tool %s s%n",
                    g.name(),
                    name,
                    cpu,
                    sys,
                    props.getProperty("clientCpu"));
            props.setProperty("gatewayPeakRss", LoadTool.fmt(rss.peak()));
            props.setProperty("gatewayRssBefore", LoadTool.fmt(rssBefore));
            props.setProperty(
                    "gatewayAlive",
                    Boolean.toString(ProcessHandle.of(g.pid())
                            .map(ProcessHandle::isAlive)
                            .orElse(false)));
        }
        return props;
    }

    private void idle(Gateway g, int sessions) throws Exception {
        List<String> args = List.of(
                "--sessions",
                Integer.toString(sessions),
                "--connections",
                "32",
                "--max-seconds",
                quick ? "60" : "150",
                "--hold",
                quick ? "5" : "15",
                "--topic",
                "bench-idle-" + g.name().replace(' ', '-') + "-" + stamp);
        Properties p = runLoad("idle", "idle", g, args, false);
        results.computeIfAbsent("idle", k -> new LinkedHashMap<>()).put(g.name(), p);
    }

    /**
     * A producer with no window at all, 16 KiB messages, for {@code seconds}: its results read, ignored or never
     * taken off the socket. What the broker stored comes from the topic's own counter.
     */
    private void flood(Gateway g, String reading, int seconds) throws Exception {
        String load = "flood-" + reading;
        List<String> args = List.of(
                "--results",
                reading,
                "--size",
                "16k",
                "--duration",
                Integer.toString(seconds),
                "--admin",
                webServiceUrl,
                "--topic",
                "bench-" + load + "-" + g.name().replace(' ', '-') + "-" + stamp);
        Properties p = runLoad(load, "flood", g, args, false);
        // does it still serve? one message, window 1
        Properties after = runLoad(
                "after-" + load,
                "produce",
                g,
                List.of(
                        "--window",
                        "1",
                        "--size",
                        "100",
                        "--warmup",
                        "0",
                        "--duration",
                        "3",
                        "--topic",
                        "bench-after-" + load + "-" + g.name().replace(' ', '-') + "-" + stamp),
                false);
        p.setProperty("servesAfter", Boolean.toString(Double.parseDouble(after.getProperty("throughput", "0")) > 0));
        results.computeIfAbsent(load, k -> new LinkedHashMap<>()).put(g.name(), p);
    }

    /**
     * {@code n} readers of one topic (or consumers, each on a Shared subscription of its own) opened at once (the
     * burst), then one native producer's messages fanned out to all of them: 200,000 deliveries in all (20,000 in a quick run), at least 20 messages.
     */
    private void fanout(Gateway g, int n, boolean consumers) throws Exception {
        String load = (consumers ? "fanout-shared-" : "fanout-") + n;
        int messages = Math.max(20, (quick ? 20_000 : 200_000) / n);
        List<String> args = new ArrayList<>(List.of(
                "--connections",
                Integer.toString(n),
                "--messages",
                Integer.toString(messages),
                "--size",
                "100",
                "--duration",
                "120",
                "--service-url",
                serviceUrl,
                "--topic",
                "bench-" + load + "-" + g.name().replace(' ', '-') + "-" + stamp));
        if (consumers) {
            args.add("--consume"); // a Shared subscription of its own for each client
        }
        Properties p = runLoad(load, "fanout", g, args, o.flag("profile") && "ours".equals(g.name()));
        results.computeIfAbsent(load, k -> new LinkedHashMap<>()).put(g.name(), p);
    }

    private void record(String load, Gateway g, double rssMb) {
        Properties p = new Properties();
        p.setProperty("rss", LoadTool.fmt(rssMb));
        results.computeIfAbsent(load, k -> new LinkedHashMap<>()).put(g.name(), p);
    }

    private static double rss(Gateway g, String when) {
        double mb = ProcStats.rssMb(g.pid());
        System.out.printf(Locale.ROOT, "== %s RSS %s: %.0f MiB%n", g.name(), when, mb);
        return mb;
    }

    /** Samples a process's RSS every 200 ms while a load runs. */
    private static final class Sampler {
        private final long pid;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private volatile double peak = Double.NaN;
        private Thread thread;

        Sampler(long pid) {
            this.pid = pid;
        }

        void start() {
            if (pid <= 0) {
                return;
            }
            thread = new Thread(
                    () -> {
                        while (running.get()) {
                            double r = ProcStats.rssMb(pid);
                            if (Double.isNaN(peak) || r > peak) {
                                peak = r;
                            }
                            try {
                                Thread.sleep(200); // the sampling period of the RSS, not a wait for an event
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "rss-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join(1000);
            }
        }

        double peak() {
            return peak;
        }
    }

    // ------------------------------------------------------------------ the processes

    private void startBroker() throws Exception {
        Properties props = startBroker(work.resolve("broker"));
        serviceUrl = props.getProperty("serviceUrl");
        webServiceUrl = props.getProperty("webServiceUrl");
        brokerPid = Long.parseLong(props.getProperty("pid", "-1"));
    }

    /**
     * Starts a Pulsar standalone in {@code dir} with the launcher's extra options, and waits until it serves.
     *
     * @return what the launcher wrote of it (its URLs, pid, and with {@code --auth} its keys' folder)
     */
    private Properties startBroker(Path dir, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                java(),
                "-cp",
                o.required("launcher-classes"),
                "io.pulsarws.testing.broker.StandaloneBroker",
                "start",
                "--dir",
                dir.toString(),
                "--classpath-file",
                o.required("broker-classpath"),
                "--watch-pid",
                Long.toString(ProcessHandle.current().pid())));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("the Pulsar standalone did not start; see " + dir.resolve("broker.log"));
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("broker.properties"))) {
            props.load(in);
        }
        return props;
    }

    private void stopBroker() {
        stopBroker(work.resolve("broker"));
    }

    /** Stops the Pulsar standalone started in {@code dir} (and its ZooKeeper, if it has one). */
    private void stopBroker(Path dir) {
        try {
            new ProcessBuilder(
                            java(),
                            "-cp",
                            o.required("launcher-classes"),
                            "io.pulsarws.testing.broker.StandaloneBroker",
                            "stop",
                            "--dir",
                            dir.toString())
                    .inheritIO()
                    .start()
                    .waitFor(2, TimeUnit.MINUTES);
        } catch (IOException e) {
            System.err.println("Stopping the broker failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("Stopping the broker was interrupted");
        }
    }

    /** Pulsar's stand-alone WebSocket proxy from the broker's own artifacts, as {@code bin/pulsar websocket} runs it. */
    private Process startPulsarProxy() throws IOException {
        proxyPort = freePort();
        return startPulsarProxy(
                "pulsar-proxy",
                proxyPort,
                webServiceUrl,
                serviceUrl,
                List.of("configurationMetadataStoreUrl=", "authenticationEnabled=false", "authorizationEnabled=false"));
    }

    /**
     * Pulsar's stand-alone WebSocket proxy in {@code work/name}, on {@code port}, for the broker at {@code web} and
     * {@code service}, with the given settings besides the common ones.
     */
    private Process startPulsarProxy(String name, int port, String web, String service, List<String> settings)
            throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        Path conf = dir.resolve("websocket.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "clusterName=standalone",
                        "serviceUrl=" + web,
                        "brokerServiceUrl=" + service,
                        "webServicePort=" + port,
                        "bindAddress=127.0.0.1",
                        // its default, 2,048, would make the idle load measure a setting instead of a capacity
                        "maxHttpServerConnections=1000000",
                        String.join("\n", settings),
                        ""));
        String classpath =
                Files.readString(Paths.get(o.required("broker-classpath"))).trim();
        List<String> cmd = List.of(
                java(),
                "-Xms128m",
                "-Xmx" + heap(),
                "-XX:+UseG1GC",
                "-Dlog4j2.configurationFile="
                        + work.resolve("broker/log4j2.properties").toUri(),
                "--add-opens",
                "java.base/java.nio=ALL-UNNAMED",
                "--add-opens",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp",
                classpath,
                "org.apache.pulsar.websocket.service.WebSocketServiceStarter",
                conf.toString());
        System.out.println("== starting Pulsar's WebSocket proxy on port " + port);
        return children.start(new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("proxy.log").toFile()));
    }

    /** This gateway: the product's assembly unpacked afresh, on free ports, pointed at the broker. */
    private Process startKaraf() throws Exception {
        // permessage-deflate for the clients that offer it: only the raw-deflate loads do (the JDK's client does not)
        return startKaraf(
                work.resolve("karaf"),
                false,
                serviceUrl,
                Map.of("io.pulsarws.websocket.cfg", Map.of("permessageDeflate", "true")));
    }

    /**
     * The floor under our memory: the same assembly, JVM and flags with Karaf's own boot features only (shell,
     * ConfigAdmin, SCR, logging, JAAS, ssh, deployer), without HTTP and without the gateway. Its RSS once those are
     * installed ({@code FeaturesServiceImpl} logs "Done."), then it is stopped.
     */
    private double bareKarafRss() throws Exception {
        Path home = work.resolve("karaf-bare");
        Process p = startKaraf(home, true);
        try {
            Path log = home.resolve("data/log/karaf.log");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (System.nanoTime() < deadline && p.isAlive()) {
                if (Files.exists(log)
                        && Files.readString(log)
                                .lines()
                                .anyMatch(l -> l.contains("FeaturesServiceImpl") && l.endsWith("| Done."))) {
                    double mb = ProcStats.rssMb(p.pid());
                    System.out.printf(
                            Locale.ROOT, "== Karaf without HTTP and the gateway, RSS at start: %.0f MiB%n", mb);
                    return mb;
                }
                Thread.sleep(200); // Karaf logs no event to wait on: read its log again shortly
            }
            notes.add("Karaf without HTTP and the gateway did not finish its boot features; see " + log);
            return Double.NaN;
        } finally {
            Children.stop(p, 30);
            deleteTree(home);
        }
    }

    private Process startKaraf(Path home, boolean bare) throws Exception {
        return startKaraf(home, bare, serviceUrl, Map.of());
    }

    /**
     * @param broker the broker the gateway connects to
     * @param settings {@code etc/} file name → key → value, set besides the ports and the broker
     */
    private Process startKaraf(Path home, boolean bare, String broker, Map<String, Map<String, String>> settings)
            throws Exception {
        deleteTree(home);
        Files.createDirectories(home);
        Process tar = new ProcessBuilder(
                        "tar", "xzf", o.required("assembly"), "-C", home.toString(), "--strip-components=1")
                .inheritIO()
                .start();
        if (tar.waitFor() != 0) {
            throw new IllegalStateException("cannot unpack " + o.required("assembly"));
        }
        karafPort = freePort();
        set(home.resolve("etc/org.ops4j.pax.web.cfg"), "org.osgi.service.http.port", Integer.toString(karafPort));
        set(home.resolve("etc/org.ops4j.pax.web.cfg"), "org.ops4j.pax.web.listening.addresses", "127.0.0.1");
        set(home.resolve("etc/org.apache.karaf.shell.cfg"), "sshPort", Integer.toString(freePort()));
        set(home.resolve("etc/org.apache.karaf.shell.cfg"), "sshHost", "127.0.0.1");
        set(home.resolve("etc/org.apache.karaf.management.cfg"), "rmiRegistryPort", Integer.toString(freePort()));
        set(home.resolve("etc/org.apache.karaf.management.cfg"), "rmiServerPort", Integer.toString(freePort()));
        set(home.resolve("etc/io.pulsarws.gateway.cfg"), "serviceUrl", broker);
        for (Map.Entry<String, Map<String, String>> file : settings.entrySet()) {
            for (Map.Entry<String, String> e : file.getValue().entrySet()) {
                set(home.resolve("etc").resolve(file.getKey()), e.getKey(), e.getValue());
            }
        }
        if (bare) {
            Path features = home.resolve("etc/org.apache.karaf.features.cfg");
            String cfg = Files.readString(features);
            // the gateway's feature (pulsar-websocket-jetty12 brings Pax Web 11) and, on older assemblies, Karaf's http
            String trimmed = cfg.replaceAll("\\n\\s*(pulsar-websocket[\\w-]*|http)/[^,\\n]*,\\s*\\\\", "");
            if (java.util.regex.Pattern.compile("(?m)^\\s*pulsar-websocket[\\w-]*/")
                    .matcher(trimmed)
                    .find()) {
                throw new IllegalStateException("cannot take pulsar-websocket out of " + features);
            }
            Files.writeString(features, trimmed);
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(
                        home.resolveSibling(home.getFileName() + "-console.log").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("KARAF_EXEC", "exec"); // the script becomes the JVM: the pid is Karaf's
        pb.environment().put("JAVA_MAX_MEM", heap());
        pb.environment().put("JAVA_MIN_MEM", "128m");
        if (o.flag("profile") && !bare) {
            // JFR instruments JDK classes when a recording starts, which throws away compiled code: a recording from
            // the start keeps that out of the measured loads, during which a second recording is taken
            pb.environment().put("EXTRA_JAVA_OPTS", "-XX:StartFlightRecording=name=boot,settings=profile,maxage=1m");
        }
        System.out.println("== starting "
                + (bare ? "Karaf without HTTP and the gateway" : "the Karaf gateway on port " + karafPort));
        return children.start(pb);
    }

    /**
     * Broker-decided authorization for many users: a second broker with token authentication and authorization
     * (on ZooKeeper, where Pulsar's proxy reads the grants), Pulsar's WebSocket proxy with authorization on, and a
     * second Karaf with {@code authorizationEnabled}; {@code users} roles, each granted consume on one namespace,
     * open a consumer each, one after another, against each in turn. Figures: each handshake's time (p50, p99) and
     * the RSS each authorized session adds while all are held.
     */
    private void authz(int users) throws Exception {
        Path dir = work.resolve("secure-broker");
        deleteTree(dir);
        Properties broker = startBroker(dir, "--auth", "admin", "--zookeeper");
        Process proxy = null;
        Process karaf = null;
        try {
            Path auth = Paths.get(broker.getProperty("authDir"));
            byte[] secret = Files.readAllBytes(auth.resolve("secret.key"));
            String admin = Files.readString(auth.resolve("admin.jwt")).trim();
            String web = broker.getProperty("webServiceUrl");
            String namespace = "bench-authz/ns";
            long t0 = System.nanoTime();
            AuthzLoad.grant(http, web, admin, namespace, users);
            System.out.printf(
                    Locale.ROOT, "== %d roles granted consume in %.1f s%n", users, (System.nanoTime() - t0) / 1e9);
            int port = freePort();
            proxy = startPulsarProxy(
                    "pulsar-proxy-authz",
                    port,
                    web,
                    broker.getProperty("serviceUrl"),
                    List.of(
                            "configurationMetadataStoreUrl=zk:" + broker.getProperty("zookeeperServers"),
                            "authenticationEnabled=true",
                            "authenticationProviders=org.apache.pulsar.broker.authentication.AuthenticationProviderToken",
                            "tokenSecretKey=" + auth.resolve("secret.key").toUri(),
                            "authorizationEnabled=true",
                            "superUserRoles=admin",
                            "brokerClientAuthenticationPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken",
                            "brokerClientAuthenticationParameters=file://" + auth.resolve("admin.jwt")));
            Map<String, Map<String, String>> settings = Map.of(
                    "io.pulsarws.gateway.cfg",
                    Map.of(
                            "authorizationEnabled", "true",
                            "brokerClientAuthenticationPlugin",
                                    "org.apache.pulsar.client.impl.auth.AuthenticationToken",
                            "brokerClientAuthenticationParameters",
                                    auth.resolve("admin.jwt").toUri().toString()),
                    "io.pulsarws.security.cfg",
                    Map.of(
                            "authenticationEnabled",
                            "true",
                            "tokenSecretKey",
                            auth.resolve("secret.key").toUri().toString()));
            karaf = startKaraf(work.resolve("karaf-authz"), false, broker.getProperty("serviceUrl"), settings);
            int oursPort = karafPort;
            awaitHttp("Pulsar's WebSocket proxy with authorization", proxy, "http://127.0.0.1:" + port + "/", false);
            awaitHttp("the Karaf gateway with authorization", karaf, "http://127.0.0.1:" + oursPort + "/ready", true);
            List<Gateway> targets = List.of(
                    new Gateway(Report.OURS, "127.0.0.1:" + oursPort, karaf.pid()),
                    new Gateway(Report.PROXY, "127.0.0.1:" + port, proxy.pid()));
            for (Gateway g : inTurn(targets)) {
                List<java.net.Socket> open = new ArrayList<>();
                double before = ProcStats.rssMb(g.pid());
                AuthzLoad.Result r =
                        AuthzLoad.open(g.url(), namespace, "t-" + g.name().replace(' ', '-'), secret, users, open);
                Thread.sleep(2000); // what holding them costs, once the last handshake's work is done
                double after = ProcStats.rssMb(g.pid());
                Properties p = new Properties();
                p.setProperty("opened", Integer.toString(open.size()));
                p.setProperty("refused", Integer.toString(r.refused()));
                p.setProperty("p50", LoadTool.fmt(r.percentile(50)));
                p.setProperty("p99", LoadTool.fmt(r.percentile(99)));
                p.setProperty(
                        "rssKibPerSession",
                        LoadTool.fmt(open.isEmpty() ? Double.NaN : (after - before) * 1024 / open.size()));
                System.out.printf(
                        Locale.ROOT,
                        "== authz, %s: %d opened, %d refused, handshake p50 %.1f ms p99 %.1f ms, RSS %.0f -> %.0f MiB%n",
                        g.name(),
                        open.size(),
                        r.refused(),
                        r.percentile(50),
                        r.percentile(99),
                        before,
                        after);
                results.computeIfAbsent("authz", k -> new LinkedHashMap<>()).put(g.name(), p);
                AuthzLoad.closeAll(open);
            }
        } finally {
            if (karaf != null) {
                Children.stop(karaf, 30);
            }
            if (proxy != null) {
                Children.stop(proxy, 30);
            }
            stopBroker(dir);
        }
    }

    /**
     * The idle load's sessions: 100,000, or as many as this machine's limit of open files per process leaves room
     * for (every session is a socket in the gateway and in the load tool; 2,000 files are left for the rest).
     */
    private int idleSessions() {
        long limit = ProcStats.openFilesHardLimit();
        if (limit >= 102_000) {
            return 100_000;
        }
        int sessions = (int) Math.max(1000, limit - 2000);
        notes.add(String.format(
                Locale.ROOT,
                "this machine allows %d open files per process (hard limit, which only a privileged user can raise), "
                        + "so the idle load opens %,d sessions instead of 100,000",
                limit,
                sessions));
        return sessions;
    }

    private String heap() {
        return o.string("heap", "512m");
    }

    private void awaitHttp(String what, Process p, String url, boolean needs200) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException(
                        what + " exited with " + p.exitValue() + " before serving; see " + work);
            }
            try {
                int status = http.send(
                                HttpRequest.newBuilder(URI.create(url))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
                if (!needs200 || status == 200) {
                    System.out.println("== " + what + " serves " + url + " (" + status + ")");
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(what + " did not serve " + url + " within 3 minutes; see " + work);
    }

    private void jcmd(long pid, String... args) throws Exception {
        try {
            ProcStats.jcmd(pid, args);
        } catch (IOException e) {
            notes.add("jcmd " + String.join(" ", args) + " failed");
        }
    }

    // ------------------------------------------------------------------ small helpers

    private static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Sets a key in a Karaf .cfg file, replacing its line or appending one. */
    private static void set(Path cfg, String key, String value) throws IOException {
        List<String> lines = Files.exists(cfg) ? new ArrayList<>(Files.readAllLines(cfg)) : new ArrayList<>();
        boolean found = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("\\s*" + java.util.regex.Pattern.quote(key) + "\\s*[=:].*")) {
                lines.set(i, key + " = " + value);
                found = true;
            }
        }
        if (!found) {
            lines.add(key + " = " + value);
        }
        Files.write(cfg, lines);
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.exists(p)) {
            try (var files = Files.walk(p)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
    }

    private static double clockTicks() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return out.isEmpty() ? 100 : Double.parseDouble(out);
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Paths.get("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse(cpu);
        } catch (IOException e) {
            // keep the default
        }
        return String.format(
                Locale.ROOT,
                "%s, %d cores, Java %s, %s",
                cpu,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE));
    }
}
