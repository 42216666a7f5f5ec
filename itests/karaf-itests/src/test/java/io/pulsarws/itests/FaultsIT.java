package io.pulsarws.itests;

import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.karaf.features.FeaturesService;
import org.junit.Before;
import org.junit.FixMethodOrder;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestName;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Nothing acknowledged is lost, whatever fails: the {@link Checker} runs producers and consumers (Exclusive, Shared,
 * Failover) through the gateway while faults are injected, then judges every message: lost, lies and phantom must
 * be 0. The broker is this class's own Pulsar standalone, started, signalled and restarted on its data by the test;
 * the gateway reaches it through a {@link TcpForwarder} that can stall (the broker advertises the forwarder as its
 * {@code external} listener, and the gateway uses {@code listenerName=external}), so a partition between gateway
 * and broker is real TCP behaviour. Each run's figures go to {@code measurements.txt} and the fault table of
 * {@code docs/reliability.md}.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class FaultsIT extends GatewayTestSupport {
    /** Longer than the gateway's operationTimeoutMillis (5 s here) and the timed producer's sendTimeoutMillis. */
    private static final Duration PARTITION = Duration.ofSeconds(10);

    private static final Duration RECOVERY = Duration.ofSeconds(90);

    /** The broker of this class and the forwarder in front of it; started once, by the first test. */
    private static Path brokerDir;

    private static int brokerPort;
    private static int webPort;
    private static TcpForwarder forwarder;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private FeaturesService features;

    @Inject
    private BundleContext bundles;

    @Override
    @org.ops4j.pax.exam.Configuration
    public Option[] config() throws IOException {
        return OptionUtils.combine(
                super.config(),
                systemProperty("itest.assembly").value(System.getProperty("assembly.tar.gz")),
                systemProperty("itest.launcher.dir").value(System.getProperty("launcher.dir")));
    }

    @Rule
    public TestName test = new TestName();

    @Before
    public void faultBroker() throws Exception {
        if (forwarder != null || test.getMethodName().startsWith("z_")) {
            return;
        }
        brokerDir = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir")))
                .resolve("fault-broker");
        brokerPort = freePort();
        webPort = freePort();
        forwarder = new TcpForwarder(freePort(), brokerPort);
        startBroker(false);
        configureGateway(Map.of(
                "serviceUrl",
                "pulsar://127.0.0.1:" + forwarder.port(),
                "listenerName",
                "external",
                "operationTimeoutMillis",
                5000));
        await("the gateway serving through the forwarder", RECOVERY, () -> produces("warmup"));
    }

    /**
     * Runs last. Not an {@code @AfterClass}: Pax Exam runs each test method as a request of its own, so that would
     * run after every method. Should the container die first, the broker and its ZooKeeper exit with it (they
     * watch its pid).
     */
    @Test
    public void z_stopTheFaultBroker() throws Exception {
        brokerDir = Paths.get(System.getProperty("itest.work.dir"), "fault-broker");
        launcher("stop", "--dir", brokerDir.toString());
        if (forwarder != null) {
            forwarder.close();
            forwarder = null;
        }
    }

    /**
     * A partition between gateway and broker (the forwarder stalls both directions) longer than the timeouts;
     * then the broker paused (SIGSTOP) and resumed; then client sockets dropped mid-stream, and killed in the middle
     * of a frame (a producer's, and a Shared consumer's of the checked subscription).
     */
    @Test
    public void a_partitionBrokerPauseAndClientsDropped() throws Exception {
        try (Checker c = checker(List.of(gateway()))) {
            c.awaitProgress(100, RECOVERY);
            List<String> row = new ArrayList<>();
            forwarder.stall();
            hold(PARTITION);
            forwarder.resume();
            row.add("partition " + PARTITION.toSeconds() + " s: traffic again "
                    + c.awaitProgress(50, RECOVERY).toMillis() + " ms after it healed");
            long pid = brokerPid();
            signal("STOP", pid);
            hold(Duration.ofSeconds(8));
            signal("CONT", pid);
            row.add("broker SIGSTOP 8 s: traffic again "
                    + c.awaitProgress(50, RECOVERY).toMillis() + " ms after SIGCONT");
            for (int i = 0; i < 5; i++) {
                c.abortRandomClient();
                hold(Duration.ofMillis(700));
            }
            for (String kind : List.of("producer", "consumer/sub")) {
                for (int i = 0; i < 3; i++) {
                    RawWs.open(
                                    gateway() + "/ws/v2/" + kind.replace("/sub", "") + "/" + c.topicPath()
                                            + (kind.endsWith("/sub") ? "/sh?subscriptionType=Shared" : ""),
                                    0)
                            .killMidFrame();
                }
            }
            row.add("5 client sockets dropped, 6 more killed mid-frame: traffic "
                    + c.awaitProgress(50, RECOVERY).toMillis() + " ms after");
            judge("partition, broker paused, clients dropped", c, row);
        }
    }

    /** The broker stopped (SIGTERM) and started again on its data; then killed (SIGKILL) and started again. */
    @Test
    public void b_brokerRestartedAndCrashed() throws Exception {
        try (Checker c = checker(List.of(gateway()))) {
            c.awaitProgress(100, RECOVERY);
            List<String> row = new ArrayList<>();
            int[] starts = new int[1];
            row.add("broker SIGTERM and restart: traffic again "
                    + untilTraffic(c, () -> starts[0] = restartBroker(false)) + " ms after the signal"
                    + (starts[0] > 1 ? " (" + starts[0] + " broker starts)" : ""));
            row.add("broker SIGKILL and restart: traffic again "
                    + untilTraffic(c, () -> starts[0] = restartBroker(true)) + " ms after the signal"
                    + (starts[0] > 1 ? " (" + starts[0] + " broker starts)" : ""));
            judge("broker restarted (SIGTERM) and crashed (SIGKILL)", c, row);
        }
    }

    /**
     * The gateway's own lifecycle: a client rebuild (1001), bundle:restart of the session bundle, feature reinstall.
     * Runs after the others: a feature reinstall may refresh this test's bundle, which forgets the static fixture.
     */
    @Test
    public void y_gatewayRebuiltRestartedReinstalled() throws Exception {
        try (Checker c = checker(List.of(gateway()))) {
            c.awaitProgress(100, RECOVERY);
            List<String> row = new ArrayList<>();
            // a client setting: the client is rebuilt and its sessions closed
            row.add("client rebuild: traffic again after "
                    + untilTraffic(c, () -> configureGateway(Map.of("connectionTimeoutMillis", 9000))) + " ms");
            Bundle session = bundle("io.pulsarws.session");
            row.add("bundle:restart io.pulsarws.session: traffic again after "
                    + untilTraffic(c, () -> {
                        session.stop();
                        session.start();
                    })
                    + " ms");
            row.add("feature:uninstall and install: traffic again after "
                    + untilTraffic(c, () -> {
                        features.uninstallFeature(FEATURE, EnumSet.noneOf(FeaturesService.Option.class));
                        features.installFeature(FEATURE, EnumSet.noneOf(FeaturesService.Option.class));
                    })
                    + " ms");
            judge("gateway rebuilt, bundle restarted, feature reinstalled", c, row);
        }
    }

    /**
     * Discovery through ZooKeeper (serviceUrl empty), and ZooKeeper paused (SIGSTOP) for 8 s: the gateway keeps
     * serving with the brokers it knows. The store is a ZooKeeper of its own, holding the cluster's entry as
     * {@code pulsar-admin clusters create} writes it, so that pausing it touches no broker (a standalone broker with
     * its metadata in a paused ZooKeeper loses its bookie).
     */
    @Test
    public void c_zooKeeperUnavailableWhileDiscovering() throws Exception {
        Path zkDir = Paths.get(System.getProperty("itest.work.dir"), "fault-zookeeper");
        launcher(
                "zookeeper",
                "--dir",
                zkDir.toString(),
                "--classpath-file",
                Paths.get(System.getProperty("itest.launcher.dir"), "broker.classpath")
                        .toString(),
                "--watch-pid",
                Long.toString(ProcessHandle.current().pid()));
        String store =
                "127.0.0.1:" + Files.readString(zkDir.resolve("zookeeper.port")).trim();
        writeClusterEntry(store, "pulsar://127.0.0.1:" + forwarder.port());
        configureGateway(
                Map.of("serviceUrl", "", "configurationMetadataStoreUrl", "zk:" + store, "clusterName", "standalone"));
        try {
            await("the gateway serving the discovered brokers", RECOVERY, () -> produces("discovered"));
            try (Checker c = checker(List.of(gateway()))) {
                c.awaitProgress(100, RECOVERY);
                long zk = Long.parseLong(
                        Files.readString(zkDir.resolve("zookeeper.pid")).trim());
                signal("STOP", zk);
                hold(Duration.ofSeconds(8));
                signal("CONT", zk);
                judge(
                        "ZooKeeper paused 8 s while the gateway discovers through it",
                        c,
                        List.of("traffic " + c.awaitProgress(50, RECOVERY).toMillis() + " ms after SIGCONT"));
            }
        } finally {
            configureGateway(Map.of(
                    "serviceUrl", "pulsar://127.0.0.1:" + forwarder.port(), "configurationMetadataStoreUrl", ""));
            launcher("stop", "--dir", zkDir.toString());
        }
    }

    /** Writes {@code /admin/clusters/standalone} as Pulsar's admin tool would, naming the given brokers. */
    private static void writeClusterEntry(String zooKeeper, String brokerServiceUrl) throws Exception {
        java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
        org.apache.zookeeper.ZooKeeper zk = new org.apache.zookeeper.ZooKeeper(zooKeeper, 10_000, e -> {
            if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        try {
            assertTrue("connected to " + zooKeeper, connected.await(30, TimeUnit.SECONDS));
            for (String path : List.of("/admin", "/admin/clusters")) {
                if (zk.exists(path, false) == null) {
                    zk.create(
                            path,
                            new byte[0],
                            org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            org.apache.zookeeper.CreateMode.PERSISTENT);
                }
            }
            byte[] entry = ("{\"serviceUrl\":\"http://127.0.0.1:" + webPort + "\",\"brokerServiceUrl\":\""
                            + brokerServiceUrl + "\"}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            zk.create(
                    "/admin/clusters/standalone",
                    entry,
                    org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    org.apache.zookeeper.CreateMode.PERSISTENT);
        } finally {
            zk.close();
        }
    }

    /**
     * Two gateway nodes: this one and a child Karaf, which is killed (SIGKILL) mid-stream and started again;
     * clients reconnect to the other node meanwhile, and the Shared subscription spans both.
     */
    @Test
    public void d_gatewayNodeCrashed() throws Exception {
        try (ChildKaraf nodeB = new ChildKaraf(
                Paths.get(System.getProperty("itest.work.dir"), "fault-node-b"),
                System.getProperty("itest.assembly"),
                Map.of(
                        "io.pulsarws.gateway.cfg",
                        Map.of(
                                "serviceUrl",
                                "pulsar://127.0.0.1:" + forwarder.port(),
                                "listenerName",
                                "external",
                                "operationTimeoutMillis",
                                "5000")))) {
            nodeB.start(Duration.ofSeconds(180));
            try (Checker c = checker(List.of(nodeB.gateway(), gateway()))) {
                c.awaitProgress(100, RECOVERY);
                String crash =
                        "node SIGKILL: traffic again on the other node after " + untilTraffic(c, nodeB::kill) + " ms";
                nodeB.start(Duration.ofSeconds(180));
                judge("gateway node crashed (SIGKILL) and restarted", c, List.of(crash, "node restarted"));
            }
        }
    }

    /** Producers with and without a send timeout, and three subscription types (Shared and Failover with two). */
    private Checker checker(List<String> gateways) {
        Checker c = new Checker("persistent/public/default/" + uniqueTopic("faults"), gateways);
        c.consumers("ex", "Exclusive", 1);
        c.consumers("sh", "Shared", 2);
        c.consumers("fo", "Failover", 2);
        c.producer("p", "", 50, 300);
        c.producer("t", "?sendTimeoutMillis=3000", 50, 300);
        return c;
    }

    private static void judge(String fault, Checker c, List<String> recovery) throws Exception {
        Checker.Verdict v = c.finish(Duration.ofSeconds(3), Duration.ofSeconds(90));
        record("faults: " + fault + ": " + v + "; " + String.join("; ", recovery));
        assertTrue(fault + ": " + v, v.clean());
        assertTrue(fault + ": traffic flowed: " + v, v.ok() > 0);
    }

    /** A fault injected while the checker's traffic flows. */
    @FunctionalInterface
    private interface Fault {
        void inject() throws Exception;
    }

    /** @return the milliseconds from the fault's injection until 50 more sends and deliveries went through */
    private static long untilTraffic(Checker c, Fault fault) throws Exception {
        long t0 = System.nanoTime();
        fault.inject();
        c.awaitProgress(50, RECOVERY);
        return millisSince(t0);
    }

    /** The fault lasts this long: a duration of the experiment, not a wait for a condition. */
    private static void hold(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private boolean produces(String what) {
        try (WsClient p = WsClient.open(gateway() + path("producer", uniqueTopic(what)), Duration.ofSeconds(10))) {
            p.send("{\"payload\":\"" + b64(what) + "\"}");
            return p.next(Duration.ofSeconds(10)).contains("\"result\":\"ok\"");
        } catch (Exception | AssertionError e) {
            return false;
        }
    }

    private void configureGateway(Map<String, Object> values) throws Exception {
        updateConfiguration(configAdmin, "io.pulsarws.gateway", values);
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : bundles.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    /**
     * Stops the broker (SIGTERM, or SIGKILL for a crash) and starts it again on its data, until it stores messages:
     * the standalone's embedded bookie sometimes comes back unregistered after a SIGKILL (a fault of the test's
     * one-process broker, not of the gateway), and is then stopped and started once more. Its readiness is checked
     * with Pulsar's own WebSocket service on the broker's web port, not through the gateway under test.
     *
     * @return how many starts it took
     */
    private static int restartBroker(boolean kill) throws Exception {
        for (int start = 1; start <= 3; start++) {
            ProcessHandle broker = ProcessHandle.of(brokerPid()).orElseThrow();
            if (kill || start > 1) {
                broker.destroyForcibly();
            } else {
                broker.destroy();
            }
            broker.onExit().get(60, TimeUnit.SECONDS);
            startBroker(true);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                if (brokerStores()) {
                    return start;
                }
                hold(Duration.ofMillis(500)); // a bounded poll inside a deadline
            }
        }
        throw new AssertionError("the broker did not store messages after three starts");
    }

    /** @return true if the broker stores a message sent through its own WebSocket service */
    private static boolean brokerStores() {
        String url = "ws://127.0.0.1:" + webPort + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("health");
        try (WsClient p = WsClient.open(url, Duration.ofSeconds(5))) {
            p.send("{\"payload\":\"aGk=\"}");
            return p.next(Duration.ofSeconds(5)).contains("\"result\":\"ok\"");
        } catch (Exception | AssertionError e) {
            return false;
        }
    }

    /** Starts the class's broker (with its ZooKeeper), or restarts it on its data; returns when it serves. */
    private static void startBroker(boolean keepData) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "start",
                "--dir",
                brokerDir.toString(),
                "--classpath-file",
                Paths.get(System.getProperty("itest.launcher.dir"), "broker.classpath")
                        .toString(),
                "--broker-port",
                Integer.toString(brokerPort),
                "--web-port",
                Integer.toString(webPort),
                "--external-port",
                Integer.toString(forwarder.port()),
                "--watch-pid",
                Long.toString(ProcessHandle.current().pid())));
        if (keepData) {
            args.add("--keep-data");
        }
        launcher(args.toArray(new String[0]));
    }

    private static void launcher(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                Paths.get(System.getProperty("itest.launcher.dir"), "classes").toString(),
                "io.pulsarws.testing.broker.StandaloneBroker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        brokerDir.resolveSibling("fault-broker-launcher.log").toFile()))
                .start();
        if (!p.waitFor(240, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("broker launcher " + args[0] + " failed; see fault-broker-launcher.log");
        }
    }

    private static Properties brokerProperties() throws IOException {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(brokerDir.resolve("broker.properties"))) {
            props.load(in);
        }
        return props;
    }

    private static long brokerPid() throws IOException {
        return Long.parseLong(brokerProperties().getProperty("pid"));
    }

    private static void signal(String signal, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .inheritIO()
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }
}
