package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Properties;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.Before;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Cluster discovery: the gateway is given no broker URL, only the API page's {@code globalZookeeperServers} (the
 * real ZooKeeper the build's broker keeps its metadata in) and a cluster name. It reads the cluster's brokers from
 * {@code /admin/clusters/<name>} and follows changes to that entry live.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class DiscoveryIT extends GatewayTestSupport {
    private static final String CLUSTER = "ws-discovery";

    @javax.inject.Inject
    private BundleContext context;

    @Override
    @org.ops4j.pax.exam.Configuration
    public Option[] config() throws IOException {
        Properties broker = new Properties();
        try (InputStream in = Files.newInputStream(Paths.get(System.getProperty("broker.properties")))) {
            broker.load(in);
        }
        Properties secure = new Properties();
        try (InputStream in = Files.newInputStream(Paths.get(System.getProperty("secure.broker.properties")))) {
            secure.load(in);
        }
        String gateway = "etc/io.pulsarws.gateway.cfg";
        return OptionUtils.combine(
                options(
                        new File(System.getProperty("assembly.tar.gz")).toURI().toString(),
                        "pulsar-websocket-discovery"),
                editConfigurationFilePut(gateway, "serviceUrl", ""),
                editConfigurationFilePut(gateway, "globalZookeeperServers", broker.getProperty("zookeeperServers")),
                editConfigurationFilePut(gateway, "clusterName", CLUSTER),
                systemProperty("itest.secure.serviceUrl").value(secure.getProperty("serviceUrl")));
    }

    /** The cluster entry, pointing at the build's broker (created if missing, reset otherwise). */
    @Before
    public void clusterEntry() throws Exception {
        assertTrue(
                "the build's broker runs on ZooKeeper",
                !System.getProperty("itest.broker.zookeeper").isEmpty());
        pointClusterAt(System.getProperty("itest.broker.serviceUrl"));
    }

    private static void pointClusterAt(String brokerServiceUrl) throws Exception {
        String body = "{\"serviceUrl\":\"" + brokerWeb() + "\",\"brokerServiceUrl\":\"" + brokerServiceUrl + "\"}";
        HttpResponse<String> created = admin("PUT", "/admin/v2/clusters/" + CLUSTER, body);
        if (created.statusCode() == 409) {
            HttpResponse<String> updated = admin("POST", "/admin/v2/clusters/" + CLUSTER, body);
            assertEquals(updated.body(), 2, updated.statusCode() / 100);
        } else {
            assertEquals(created.body(), 2, created.statusCode() / 100);
        }
    }

    private static String serviceUrlInForce() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            return (String) server.getAttribute(new ObjectName("io.pulsarws:type=Gateway"), "ServiceUrl");
        } catch (Exception e) {
            return "";
        }
    }

    private static boolean produces() {
        try {
            produce(uniqueTopic("disc"), "x");
            return true;
        } catch (Exception | AssertionError e) {
            return false;
        }
    }

    @Test
    public void a_theBrokersComeFromTheConfigurationStore() throws Exception {
        String plain = System.getProperty("itest.broker.serviceUrl");
        await("the brokers read from ZooKeeper", Duration.ofSeconds(60), () -> plain.equals(serviceUrlInForce()));
        await("sessions served through the discovered brokers", TIMEOUT, DiscoveryIT::produces);
    }

    /**
     * The cluster entry is changed to another broker (the build's secured one): open sessions end with 1001, and
     * new handshakes reach that broker, which refuses this gateway without credentials (403: its anonymous role
     * has no grant there). Changed back, the gateway serves again.
     */
    @Test
    public void b_aChangedClusterEntryIsFollowedLive() throws Exception {
        String plain = System.getProperty("itest.broker.serviceUrl");
        String secured = System.getProperty("itest.secure.serviceUrl");
        await("the brokers read from ZooKeeper", Duration.ofSeconds(60), () -> plain.equals(serviceUrlInForce()));
        try (WsClient open = WsClient.open(gateway() + path("producer", uniqueTopic("follow")))) {
            long t0 = System.nanoTime();
            pointClusterAt(secured);
            assertEquals(1001, open.awaitClose(TIMEOUT));
            long closedAfter = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(secured, serviceUrlInForce());
            int status = WsClient.refusedStatus(gateway() + path("producer", uniqueTopic("follow")));
            // the secured broker takes a gateway without credentials for its anonymous role, which has no grant
            assertEquals("refused by the secured broker", 403, status);
            record("discovery: a changed cluster entry closed the sessions with 1001 after " + closedAfter + " ms");
            assertTrue("followed within 5 s, took " + closedAfter + " ms", closedAfter < 5000);
        } finally {
            pointClusterAt(plain);
        }
        await("back on the plain broker", TIMEOUT, () -> plain.equals(serviceUrlInForce()));
        await("sessions served again", TIMEOUT, DiscoveryIT::produces);
    }

    /** Restarting the session bundle closes the ZooKeeper client with it: its threads do not pile up. */
    @Test
    public void c_aRestartLeavesOneZooKeeperClient() throws Exception {
        await("the brokers read from ZooKeeper", Duration.ofSeconds(60), DiscoveryIT::produces);
        assertEquals(1, zooKeeperClientThreads());
        for (int i = 0; i < 2; i++) {
            Bundle session = java.util.Arrays.stream(context.getBundles())
                    .filter(b -> "io.pulsarws.session".equals(b.getSymbolicName()))
                    .findFirst()
                    .orElseThrow();
            session.stop();
            session.start();
            await("serving after restart " + (i + 1), Duration.ofSeconds(60), DiscoveryIT::produces);
        }
        try {
            await("the old ZooKeeper clients gone", TIMEOUT, () -> zooKeeperClientThreads() == 1);
        } catch (AssertionError e) {
            record("ZooKeeper client threads after restarts: "
                    + Thread.getAllStackTraces().keySet().stream()
                            .filter(t -> t.getClass().getName().contains("ClientCnxn"))
                            .map(Thread::getName)
                            .toList());
            throw e;
        }
    }

    /**
     * @return ZooKeeper client connections, counted by their send threads (by class: ZooKeeper renames the
     *     thread after its server, which can swallow the "SendThread" part of the name)
     */
    private static long zooKeeperClientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getClass().getName().endsWith("ClientCnxn$SendThread"))
                .count();
    }
}
