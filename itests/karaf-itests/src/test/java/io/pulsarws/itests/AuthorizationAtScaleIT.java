package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.ObjectName;
import org.junit.After;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Broker-decided authorization for users by the thousand on one node (issue 22): against the build's broker with
 * token authentication and authorization on, 1,000 distinct roles, each granted consume on one namespace, hold a
 * consumer open at once, then 1,000 distinct tokens of one role do the same. Sessions share a Pulsar client per
 * role, and all those clients share one set of threads.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class AuthorizationAtScaleIT extends GatewayTestSupport {
    private static final int USERS = 1_000;
    private static final String NAMESPACE = "scale/ns";

    @Override
    @org.ops4j.pax.exam.Configuration
    public Option[] config() throws IOException {
        Properties secure = secureBroker();
        return OptionUtils.combine(
                options(new File(System.getProperty("assembly.tar.gz")).toURI().toString(), "pulsar-websocket-scale"),
                editConfigurationFilePut("etc/io.pulsarws.gateway.cfg", "serviceUrl", secure.getProperty("serviceUrl")),
                authorizingGateway(secure));
    }

    private static String user(int i) {
        return String.format("scale-user-%04d", i);
    }

    /** @return a token of the role, signed with the broker's key; {@code extra} makes tokens of one role differ */
    private static String token(String role, String extra) throws Exception {
        String claims = "{\"sub\":\"" + role + "\"" + extra + "}";
        return Jwt.sign(claims, Files.readAllBytes(Paths.get(System.getProperty("itest.secure.auth"), "secret.key")));
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static String consumer(String topic, String subscription) {
        return gateway() + "/ws/v2/consumer/persistent/" + NAMESPACE + "/" + topic + "/" + subscription;
    }

    private static Object gatewayAttribute(String name) throws Exception {
        return ManagementFactory.getPlatformMBeanServer()
                .getAttribute(new ObjectName("io.pulsarws:type=Gateway"), name);
    }

    /**
     * The threads that open sessions, 8 handshakes at a time; started before any thread count is taken, so that
     * they count in both.
     */
    private final ExecutorService pool = started(Executors.newFixedThreadPool(8));

    private static ExecutorService started(ExecutorService pool) {
        ((java.util.concurrent.ThreadPoolExecutor) pool).prestartAllCoreThreads();
        return pool;
    }

    /** Numbers the subscriptions openAll creates, unique within a test. */
    private final AtomicInteger subscriptions = new AtomicInteger();

    /** One HTTP client for all grants (a client per call would start and end a thread each). */
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

    /** Grants or revokes with the broker's super-user token, on {@link #http}. */
    private void permissions(String method, String role, String body) throws Exception {
        String token = Files.readString(Paths.get(System.getProperty("itest.secure.auth"), "admin.jwt"))
                .trim();
        java.net.http.HttpResponse<String> r = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(System.getProperty("itest.secure.web")
                                + "/admin/v2/namespaces/" + NAMESPACE + "/permissions/" + role))
                        .timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .method(
                                method,
                                body == null
                                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                                        : java.net.http.HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(method + " " + role + ": " + r.body(), 2, r.statusCode() / 100);
    }

    /** @return how many consumers the broker has on the subscription (its stats, as the super-user), -1 if unknown */
    private int consumersOf(String topic, String subscription) {
        try {
            Map<String, Object> stats =
                    Json.object(brokerGet("/admin/v2/persistent/" + NAMESPACE + "/" + topic + "/stats"));
            @SuppressWarnings("unchecked")
            Map<String, Object> subs = (Map<String, Object>) stats.get("subscriptions");
            @SuppressWarnings("unchecked")
            Map<String, Object> sub = (Map<String, Object>) subs.get(subscription);
            return sub == null ? 0 : ((List<?>) sub.get("consumers")).size();
        } catch (Exception e) {
            return -1;
        }
    }

    /** @return the body of a GET on the secured broker's web service, as its super-user */
    private String brokerGet(String path) throws Exception {
        String token = Files.readString(Paths.get(System.getProperty("itest.secure.auth"), "admin.jwt"))
                .trim();
        return http.send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(System.getProperty("itest.secure.web") + path))
                                .timeout(TIMEOUT)
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** @return the broker's {@code pulsar_active_connections}, summed over its lines, or -1 if it cannot be read */
    private long brokerConnections() {
        try {
            String body = brokerGet("/metrics/");
            return body.lines()
                    .filter(l -> l.startsWith("pulsar_active_connections"))
                    .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * @return the broker's connection count once it holds still (two readings 500 ms apart agree, within 60 s):
     *     clients released by an earlier test close one at a time, and must not be counted against this one
     */
    private long settledBrokerConnections() throws InterruptedException {
        long last = brokerConnections();
        for (int i = 0; i < 120; i++) {
            Thread.sleep(500);
            long now = brokerConnections();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** Opens one consumer per token, 8 handshakes at a time; @return the sockets, and every refusal in {@code refused} */
    private List<RawWs> openAll(List<String> tokens, String topic, List<String> refused) throws Exception {
        List<RawWs> open = Collections.synchronizedList(new ArrayList<>());
        {
            List<Future<?>> done = new ArrayList<>();
            for (String t : tokens) {
                done.add(pool.submit(() -> {
                    String url = consumer(topic, "sub-" + subscriptions.incrementAndGet());
                    try {
                        open.add(RawWs.open(url, 0, bearer(t)));
                    } catch (IOException e) {
                        refused.add(e.getMessage());
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        }
        return open;
    }

    private static void assertNoneRefused(List<String> refused) {
        assertTrue(
                refused.size() + " refused, e.g. " + refused.stream().limit(3).toList(), refused.isEmpty());
    }

    private static void closeAll(List<RawWs> sockets) throws InterruptedException {
        sockets.forEach(RawWs::close);
        await("every session closed", TIMEOUT, () -> {
            try {
                return ((Integer) gatewayAttribute("ConsumerSessions")) == 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @After
    public void stopThreads() {
        pool.shutdownNow();
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long heapAfterGc() {
        ManagementFactory.getMemoryMXBean().gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * 1,000 roles with a grant each hold a consumer at once: none refused, one credential client per role, and the
     * node's thread count does not grow with them (all clients share one set of threads). Then a role without a
     * grant is refused 403, and a revoked role's next handshake is refused within 2 s.
     */
    @Test
    public void a_aThousandRolesHoldAConsumerEach() throws Exception {
        secureAdmin("PUT", "/admin/v2/tenants/scale", "{\"allowedClusters\":[\"standalone\"]}");
        secureAdmin("PUT", "/admin/v2/namespaces/" + NAMESPACE, "");
        long grantStart = System.nanoTime();
        for (int i = 0; i < USERS; i++) {
            permissions("POST", user(i), "[\"consume\"]");
        }
        long grantMillis = (System.nanoTime() - grantStart) / 1_000_000;
        String topic = uniqueTopic("roles");
        // one role first: the shared threads start with the first credential client, and count once
        List<String> refused = Collections.synchronizedList(new ArrayList<>());
        List<RawWs> warm = openAll(List.of(token(user(0), "")), uniqueTopic("warm"), refused);
        closeAll(warm);
        int threadsBefore = threads();
        long heapBefore = heapAfterGc();
        long connectionsBefore = settledBrokerConnections();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            tokens.add(token(user(i), ""));
        }
        long start = System.nanoTime();
        // the first 100 roles bring the pools that grow with concurrent handshakes (Jetty's) to their size; the
        // other 900 show whether anything grows with roles
        List<RawWs> open = new ArrayList<>(openAll(tokens.subList(0, 100), topic, refused));
        int threadsAt100 = threads();
        open.addAll(openAll(tokens.subList(100, USERS), topic, refused));
        long openMillis = (System.nanoTime() - start) / 1_000_000;
        try {
            assertNoneRefused(refused);
            assertEquals(USERS, open.size());
            assertEquals(USERS, gatewayAttribute("ConsumerSessions"));
            assertEquals(USERS, gatewayAttribute("CredentialClients"));
            int threadsGrown = threads() - threadsBefore;
            int threadsGrownAfter100 = threads() - threadsAt100;
            long heapPerRole = (heapAfterGc() - heapBefore) / USERS;
            long connections = brokerConnections() - connectionsBefore;
            record(String.format(
                    "authz at scale: %d roles granted in %d ms; %d consumers, one per role, opened in %d ms (8 at a "
                            + "time), none refused; threads %+d (%+d from the 100th role to the 1000th); heap after GC "
                            + "%d KiB per role (client and session); broker connections %+d",
                    USERS,
                    grantMillis,
                    open.size(),
                    openMillis,
                    threadsGrown,
                    threadsGrownAfter100,
                    heapPerRole >> 10,
                    connections));
            assertTrue("the broker's connection count is readable", connectionsBefore >= 0);
            assertTrue("broker connections grew by " + connections, connections <= USERS + 2);
            assertTrue("threads grew by " + threadsGrownAfter100 + " over 900 roles", threadsGrownAfter100 <= 5);
            assertTrue("heap per role " + heapPerRole, heapPerRole < (128 + 26) << 10);

            String nobody = refusal(consumer(topic, "sub-x"), bearer(token("scale-nobody", "")));
            assertTrue(nobody, nobody.startsWith("403 "));

            // a revoke applies to the next handshake: the broker decides each new consumer, also on an open
            // connection of the role's client, which the role keeps open meanwhile
            String revoked = user(1);
            permissions("DELETE", revoked, null);
            long revokedAt = System.nanoTime();
            String last = null;
            for (int i = 0; i < 50; i++) {
                last = refusal(consumer(topic, "after-revoke-" + i), bearer(token(revoked, "")));
                if (last.startsWith("403 ")) {
                    break;
                }
                Thread.sleep(100);
            }
            long refusedAfter = (System.nanoTime() - revokedAt) / 1_000_000;
            record("authz at scale: a revoked role's next handshake refused " + refusedAfter + " ms after the revoke");
            assertTrue(last, last.startsWith("403 "));
            assertTrue("refused " + refusedAfter + " ms after the revoke", refusedAfter <= 2_000);
        } finally {
            closeAll(open);
            permissions("POST", user(1), "[\"consume\"]");
        }
    }

    /** 1,000 distinct tokens of one role hold a consumer each: one credential client serves them all. */
    @Test
    public void b_aThousandTokensOfOneRoleShareOneClient() throws Exception {
        String topic = uniqueTopic("tokens");
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            tokens.add(token(user(2), ",\"jti\":\"t" + i + "\""));
        }
        List<String> refused = Collections.synchronizedList(new ArrayList<>());
        int threadsBefore = threads();
        long connectionsBefore = settledBrokerConnections();
        long start = System.nanoTime();
        List<RawWs> open = openAll(tokens, topic, refused);
        long openMillis = (System.nanoTime() - start) / 1_000_000;
        try {
            assertNoneRefused(refused);
            assertEquals(USERS, gatewayAttribute("ConsumerSessions"));
            assertEquals("one client for the role", 1, gatewayAttribute("CredentialClients"));
            int threadsGrown = threads() - threadsBefore;
            long connections = brokerConnections() - connectionsBefore;
            record(String.format(
                    "authz at scale: %d distinct tokens of one role, a consumer each, opened in %d ms: 1 credential "
                            + "client, threads %+d, broker connections %+d",
                    open.size(), openMillis, threadsGrown, connections));
            assertTrue("broker connections grew by " + connections, connections <= 2);
            assertTrue("threads grew by " + threadsGrown, threadsGrown <= 5);
        } finally {
            closeAll(open);
        }
    }

    /**
     * An open consumer whose role loses its grant behaves as a native client's does: the broker drops the consumer
     * when the namespace's policies change, and the 4.0 client keeps resubscribing (an authorization failure on a
     * consumer that once subscribed is retried), so nothing more is delivered while the grant is gone, the session
     * stays open, and delivery resumes once the grant is back.
     */
    @Test
    public void c_anOpenConsumerStopsWhileItsGrantIsRevokedAndResumesWhenItIsBack() throws Exception {
        String reader = "scale-revoked-reader";
        String writer = "scale-writer";
        permissions("POST", reader, "[\"consume\"]");
        permissions("POST", writer, "[\"produce\"]");
        String topic = uniqueTopic("revoke-open");
        String producer = gateway() + "/ws/v2/producer/persistent/" + NAMESPACE + "/" + topic;
        try (WsClient c = WsClient.open(consumer(topic, "kept"), bearer(token(reader, "")));
                WsClient p = WsClient.open(producer, bearer(token(writer, "")))) {
            p.send("{\"payload\":\"" + b64("before") + "\"}");
            assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            Map<String, Object> first = Json.object(c.next(TIMEOUT));
            assertEquals("before", text(first));
            c.send("{\"messageId\":\"" + first.get("messageId") + "\"}");

            permissions("DELETE", reader, null);
            long revokedAt = System.nanoTime();
            // the broker re-checks open consumers when the namespace's policies change: wait until it dropped it
            await("the broker dropped the consumer", TIMEOUT, () -> consumersOf(topic, "kept") == 0);
            long droppedMillis = (System.nanoTime() - revokedAt) / 1_000_000;
            p.send("{\"payload\":\"" + b64("during") + "\"}");
            assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            String during = c.poll(java.time.Duration.ofSeconds(5));
            assertEquals("nothing delivered while the grant is revoked", null, during);

            permissions("POST", reader, "[\"consume\"]");
            long regrantedAt = System.nanoTime();
            // "before" may come again first: its ack can have been lost with the dropped consumer (at least once)
            Map<String, Object> after = Json.object(c.next(java.time.Duration.ofSeconds(90)));
            for (int i = 0; i < 5 && "before".equals(text(after)); i++) {
                c.send("{\"messageId\":\"" + after.get("messageId") + "\"}");
                after = Json.object(c.next(java.time.Duration.ofSeconds(90)));
            }
            long resumedMillis = (System.nanoTime() - regrantedAt) / 1_000_000;
            assertEquals("during", text(after));
            record(String.format(
                    "authz at scale: an open consumer whose grant was revoked was dropped by the broker %d ms after "
                            + "the revoke, received nothing for %d ms, stayed open, and got the message sent meanwhile "
                            + "%d ms after the grant was back",
                    droppedMillis, (regrantedAt - revokedAt) / 1_000_000, resumedMillis));
        } finally {
            permissions("POST", reader, "[\"consume\"]");
        }
    }

    /**
     * A role's client outlives its first token: a producer opens with a token living 6 s, a second producer of the
     * role opens with one living 60 s, and once the first token has expired the broker (checking every 5 s) asks the
     * role's connection for fresh credentials. The client answers with the role's token that expires last, so the
     * connection stays (the broker's publisher keeps its {@code connectedSince}) and the second producer keeps
     * producing; the first session is ended by the gateway at its own token's expiry. A client presenting its first
     * token would be disconnected by the broker and could not reconnect.
     */
    @Test
    public void d_aRolesClientOutlivesItsFirstToken() throws Exception {
        String role = "scale-rotating";
        permissions("POST", role, "[\"produce\"]");
        String topic = uniqueTopic("rotation");
        String url = gateway() + "/ws/v2/producer/persistent/" + NAMESPACE + "/" + topic;
        long now = java.time.Instant.now().getEpochSecond();
        String shortLived = token(role, ",\"exp\":" + (now + 6));
        String longLived = token(role, ",\"exp\":" + (now + 60));
        try (WsClient first = WsClient.open(url, bearer(shortLived));
                WsClient second = WsClient.open(url + "?producerName=second", bearer(longLived))) {
            first.send("{\"payload\":\"" + b64("one") + "\"}");
            assertEquals("ok", Json.object(first.next(TIMEOUT)).get("result"));
            second.send("{\"payload\":\"" + b64("two") + "\"}");
            assertEquals("ok", Json.object(second.next(TIMEOUT)).get("result"));
            assertEquals("one client for the role", 1, gatewayAttribute("CredentialClients"));
            String connectedSince = publisherConnectedSince(topic, "second");
            assertTrue("the publisher is known to the broker", connectedSince != null);
            // past the first token's expiry and two of the broker's checks of expired credentials
            long until = now + 6 + 12;
            int sent = 0;
            while (java.time.Instant.now().getEpochSecond() < until) {
                second.send("{\"payload\":\"" + b64("more") + "\"}");
                assertEquals("ok", Json.object(second.next(TIMEOUT)).get("result"));
                sent++;
                Thread.sleep(500); // the producer's own pace
            }
            assertEquals(
                    "the role's connection was kept (not reconnected)",
                    connectedSince,
                    publisherConnectedSince(topic, "second"));
            record("authz at scale: a role's client kept its broker connection across its first token's expiry (" + sent
                    + " sends, one every 500 ms, until 12 s after it, all stored)");
        }
    }

    /** @return the broker's {@code connectedSince} of the topic's publisher of that name, or null */
    private String publisherConnectedSince(String topic, String producerName) {
        try {
            String stats = brokerGet("/admin/v2/persistent/" + NAMESPACE + "/" + topic + "/stats");
            for (Object p : (List<?>) Json.object(stats).get("publishers")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> publisher = (Map<String, Object>) p;
                if (producerName.equals(publisher.get("producerName"))) {
                    return (String) publisher.get("connectedSince");
                }
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }
}
