package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOption;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.Before;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;

/**
 * Boots the product's Karaf assembly with the gateway pointed at the Pulsar standalone that the build started
 * (its URLs come from {@code broker.properties}), on free ports. Test methods run inside that Karaf.
 */
public abstract class GatewayTestSupport {
    protected static final Duration TIMEOUT = Duration.ofSeconds(30);
    /**
     * The gateway's feature in the assembly: {@code pulsar-websocket-jetty12} (Pax Web 11, Jetty 12); stock Karaf
     * installs {@code pulsar-websocket} (Pax Web 8, Jetty 9.4), as {@link StockKarafIT} does.
     */
    protected static final String FEATURE = "pulsar-websocket-jetty12";

    @Configuration
    public Option[] config() throws IOException {
        return options(new File(System.getProperty("assembly.tar.gz")).toURI().toString(), "pulsar-websocket");
    }

    /**
     * @param distribution URL of the Karaf distribution to boot
     * @param name a name for its unpack folder
     * @return the options shared by every test container: free ports, the build's broker, the test's properties
     */
    protected static Option[] options(String distribution, String name) throws IOException {
        Properties broker = new Properties();
        try (InputStream in = Files.newInputStream(Paths.get(System.getProperty("broker.properties")))) {
            broker.load(in);
        }
        String httpPort = Integer.toString(freePort());
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl(distribution)
                    .karafVersion(System.getProperty("karaf.version"))
                    .name(name)
                    .unpackDirectory(new File("target/exam"))
                    .useDeployFolder(false),
            keepRuntimeFolder(),
            configureConsole().ignoreLocalConsole(),
            logLevel(LogLevel.INFO),
            vmOption("-Xmx512m"),
            vmOption("-XX:+ExitOnOutOfMemoryError"), // as the product runs (bin/setenv)
            editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.osgi.service.http.port", httpPort),
            editConfigurationFilePut("etc/org.ops4j.pax.web.cfg", "org.ops4j.pax.web.listening.addresses", "127.0.0.1"),
            editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(freePort())),
            editConfigurationFilePut("etc/io.pulsarws.gateway.cfg", "serviceUrl", broker.getProperty("serviceUrl")),
            systemProperty("itest.http.port").value(httpPort),
            systemProperty("itest.broker.web").value(broker.getProperty("webServiceUrl")),
            systemProperty("itest.broker.serviceUrl").value(broker.getProperty("serviceUrl")),
            systemProperty("itest.broker.zookeeper").value(broker.getProperty("zookeeperServers", "")),
            systemProperty("itest.examples.dir").value(System.getProperty("examples.dir")),
            systemProperty("itest.work.dir").value(System.getProperty("itest.work.dir")),
            systemProperty("itest.docs.dir").value(System.getProperty("docs.dir")),
            systemProperty("itest.asyncapi.check.dir").value(System.getProperty("asyncapi.check.dir")),
            systemProperty("itest.browser.check.dir").value(System.getProperty("browser.check.dir")),
        };
    }

    /** @return the properties of the build's second broker, the one with token authentication and authorization */
    protected static Properties secureBroker() throws IOException {
        Properties secure = new Properties();
        try (InputStream in = Files.newInputStream(Paths.get(System.getProperty("secure.broker.properties")))) {
            secure.load(in);
        }
        return secure;
    }

    /**
     * @param secure the secured broker's properties ({@link #secureBroker})
     * @return options making the gateway check clients' tokens with that broker's key and connect each session with
     *     the client's own token (authorizationEnabled), its own credentials being the broker's admin token; the
     *     broker's URL is the caller's to set (plain or TLS)
     */
    protected static Option authorizingGateway(Properties secure) {
        String auth = secure.getProperty("authDir");
        String gateway = "etc/io.pulsarws.gateway.cfg";
        String security = "etc/io.pulsarws.security.cfg";
        return org.ops4j.pax.exam.CoreOptions.composite(
                editConfigurationFilePut(
                        gateway,
                        "brokerClientAuthenticationPlugin",
                        "org.apache.pulsar.client.impl.auth.AuthenticationToken"),
                editConfigurationFilePut(
                        gateway,
                        "brokerClientAuthenticationParameters",
                        Paths.get(auth, "admin.jwt").toUri().toString()),
                editConfigurationFilePut(gateway, "authorizationEnabled", "true"),
                editConfigurationFilePut(security, "authenticationEnabled", "true"),
                editConfigurationFilePut(
                        security,
                        "tokenSecretKey",
                        Paths.get(auth, "secret.key").toUri().toString()),
                systemProperty("itest.secure.web").value(secure.getProperty("webServiceUrl")),
                systemProperty("itest.secure.auth").value(auth));
    }

    /**
     * Calls the secured broker's admin API with its super-user token; 409 (exists already) counts as done.
     *
     * @return the status
     */
    protected static int secureAdmin(String method, String path, String body) throws Exception {
        String token = Files.readString(Paths.get(System.getProperty("itest.secure.auth"), "admin.jwt"))
                .trim();
        HttpResponse<String> r = adminOf(System.getProperty("itest.secure.web"), token, method, path, body);
        if (r.statusCode() / 100 != 2 && r.statusCode() != 409) {
            throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.statusCode();
    }

    protected static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Tests may start right after Karaf's boot, before the whiteboard has registered the endpoints (Jetty would
     * answer 404): wait until {@code /status.html}, served by the same bundle, says the gateway accepts sessions.
     */
    @Before
    public void gatewayReady() throws InterruptedException {
        awaitStatusPage(Integer.parseInt(System.getProperty("itest.http.port")), Duration.ofSeconds(60));
    }

    /** Waits until the gateway on this HTTP port answers {@code /status.html} with 200. */
    protected static void awaitStatusPage(int httpPort, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        URI status = URI.create("http://127.0.0.1:" + httpPort + "/status.html");
        await("the gateway on port " + httpPort + " to accept sessions", timeout, () -> {
            try {
                return http.send(
                                        HttpRequest.newBuilder(status)
                                                .timeout(TIMEOUT)
                                                .GET()
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    /** @return the gateway's base URL, {@code ws://127.0.0.1:PORT} */
    protected static String gateway() {
        return "ws://127.0.0.1:" + System.getProperty("itest.http.port");
    }

    /** @return the broker's admin base URL */
    protected static String brokerWeb() {
        return System.getProperty("itest.broker.web");
    }

    /** @return a topic name no other test uses */
    protected static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Waits for a condition with a deadline, checking every 100 ms. */
    protected static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(100); // a bounded poll interval inside a deadline
        }
    }

    /** @return a v2 endpoint path in {@code public/default}, e.g. {@code /ws/v2/producer/persistent/public/default/t} */
    protected static String path(String kind, String topic) {
        return "/ws/v2/" + kind + "/persistent/public/default/" + topic;
    }

    /** Produces through the gateway and returns the ids in order. */
    protected static List<String> produce(String topic, String... payloads) throws Exception {
        List<String> ids = new ArrayList<>();
        try (WsClient p = WsClient.open(gateway() + path("producer", topic))) {
            for (String s : payloads) {
                p.send("{\"payload\":\"" + b64(s) + "\"}");
                Map<String, Object> r = Json.object(p.next(TIMEOUT));
                assertEquals("ok", r.get("result"));
                ids.add((String) r.get("messageId"));
            }
        }
        return ids;
    }

    /** @return the broker's stats of one subscription of a topic, or null if it does not exist (yet) */
    @SuppressWarnings("unchecked")
    protected static Map<String, Object> subscription(String adminTopic, String name) {
        try {
            Map<String, Object> stats =
                    Json.object(admin("GET", adminTopic + "/stats").body());
            Map<String, Object> subs = (Map<String, Object>) stats.get("subscriptions");
            return subs == null ? null : (Map<String, Object>) subs.get(name);
        } catch (Exception e) {
            return null;
        }
    }

    /** @return the subscription's backlog according to the broker, or -1 if it is not known (yet) */
    protected static long backlog(String adminTopic, String subscription) {
        Map<String, Object> sub = subscription(adminTopic, subscription);
        return sub == null ? -1 : (Long) sub.get("msgBacklog");
    }

    /** @return the text of a pushed message frame's payload */
    protected static String text(Map<String, Object> frame) {
        return new String(Base64.getDecoder().decode((String) frame.get("payload")), StandardCharsets.UTF_8);
    }

    protected static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Calls the broker's admin REST API. */
    protected static HttpResponse<String> admin(String method, String path) throws IOException, InterruptedException {
        return admin(method, path, "");
    }

    /** Calls the broker's admin REST API with a JSON body. */
    protected static HttpResponse<String> admin(String method, String path, String body)
            throws IOException, InterruptedException {
        return adminOf(brokerWeb(), null, method, path, body);
    }

    /**
     * Calls a broker's admin REST API.
     *
     * @param web the broker's web service URL
     * @param token a token to send as {@code Authorization: Bearer}, or null
     * @param body a JSON body, or empty for none
     */
    protected static HttpResponse<String> adminOf(String web, String token, String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(web + path))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body.isEmpty()
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A raw handshake, to read the refusal's reason as well as its status.
     *
     * @return {@code "STATUS reason"}
     */
    protected static String refusal(String url, Map<String, String> headers) throws Exception {
        // split by hand, not with URI: the request target is sent exactly as given, malformed escapes included
        String rest = url.substring(url.indexOf("://") + 3);
        int slash = rest.indexOf('/');
        int port = Integer.parseInt(rest.substring(rest.indexOf(':') + 1, slash));
        String target = rest.substring(slash);
        StringBuilder request = new StringBuilder("GET " + target + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        headers.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
        request.append("\r\n");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            String status = line(in);
            int length = -1;
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                if (h.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            assertFalse("the handshake was accepted: " + status, status.contains(" 101 "));
            byte[] body = in.readNBytes(Math.max(0, length));
            return status.split(" ")[1] + " " + new String(body, StandardCharsets.UTF_8).trim();
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** @return the value of the first sample line of the gateway's {@code /metrics} starting with {@code prefix}, or -1 */
    protected static double metric(String prefix) {
        try {
            String http = "http://127.0.0.1:" + System.getProperty("itest.http.port");
            String body = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(http + "/metrics"))
                                    .timeout(TIMEOUT)
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return body.lines()
                    .filter(l -> l.startsWith(prefix))
                    .findFirst()
                    .map(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
                    .orElse(-1.0);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * @return this JVM's class histogram of live objects (after a full GC), as {@code jcmd GC.class_histogram}
     *     prints it: the in-container test runs in the gateway's own JVM
     */
    protected static String classHistogram() throws javax.management.JMException {
        return (String) java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .invoke(
                        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                        "gcClassHistogram",
                        new Object[] {new String[0]},
                        new String[] {String[].class.getName()});
    }

    /** Sets keys of a configuration PID through ConfigAdmin, keeping its other keys. */
    protected static void updateConfiguration(
            org.osgi.service.cm.ConfigurationAdmin admin, String pid, Map<String, Object> values) throws IOException {
        org.osgi.service.cm.Configuration c = admin.getConfiguration(pid, null);
        java.util.Dictionary<String, Object> props =
                c.getProperties() == null ? new java.util.Hashtable<>() : c.getProperties();
        values.forEach(props::put);
        c.update(props);
    }

    /**
     * Updates {@code pid} with {@code values} and waits until a line logged after the update contains every
     * fragment, and until ConfigAdmin has then held the values for {@link #SETTLE}. Karaf's fileinstall writes each
     * update to its etc/ file and reads the file back, and an earlier update can come back over a later one this
     * way: 0.1 s later, so that the later one's values were never logged (CI, BeyondBase64IT.i_), or 7 ms after
     * they were logged in force (a full run, DefectsIT.idleTimeout...). Either way the update is made again.
     */
    protected static void configure(
            org.osgi.service.cm.ConfigurationAdmin admin,
            String pid,
            Map<String, Object> values,
            String what,
            String... fragments)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long mark = logMark();
            updateConfiguration(admin, pid, values);
            long retry =
                    Math.min(deadline, System.nanoTime() + Duration.ofSeconds(5).toNanos());
            boolean logged = false;
            while (!logged && System.nanoTime() < retry) {
                logged = loggedSince(mark, fragments);
                if (!logged) {
                    Thread.sleep(50); // a poll interval inside the deadline above
                }
            }
            if (logged && settled(admin, pid, values)) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what);
            }
        }
    }

    /**
     * Updates {@code pid} with {@code values} and returns once ConfigAdmin has held them for {@link #SETTLE},
     * making the update again whenever an earlier one comes back over it (see {@link #configure}).
     */
    protected static void configureSettled(
            org.osgi.service.cm.ConfigurationAdmin admin, String pid, Map<String, Object> values)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        updateConfiguration(admin, pid, values);
        while (!settled(admin, pid, values)) {
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + pid + " to hold " + values);
            }
            updateConfiguration(admin, pid, values);
        }
    }

    /** How long ConfigAdmin must hold an update before it counts as settled: past fileinstall's 1 s poll. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    /** @return true if ConfigAdmin held {@code values} for {@link #SETTLE}; false as soon as it does not */
    private static boolean settled(org.osgi.service.cm.ConfigurationAdmin admin, String pid, Map<String, Object> values)
            throws IOException, InterruptedException {
        long until = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < until) {
            java.util.Dictionary<String, Object> props =
                    admin.getConfiguration(pid, null).getProperties();
            for (Map.Entry<String, Object> e : values.entrySet()) {
                Object now = props == null ? null : props.get(e.getKey());
                if (!String.valueOf(e.getValue()).equals(String.valueOf(now))) {
                    return false;
                }
            }
            Thread.sleep(100); // a poll interval inside the settling time above
        }
        return true;
    }

    /** A plain GET, answered as text. */
    protected static HttpResponse<String> httpGet(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(TIMEOUT)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Runs a shell command as a Karaf console user would; returns what it printed on stdout and stderr. */
    protected static String shell(org.apache.karaf.shell.api.console.SessionFactory shell, String command)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        java.io.PrintStream print = new java.io.PrintStream(out, true, StandardCharsets.UTF_8);
        try (org.apache.karaf.shell.api.console.Session s = shell.create(InputStream.nullInputStream(), print, print)) {
            s.execute(command);
        }
        print.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** @return where karaf.log ends now, for {@link #awaitLogSince} */
    protected static long logMark() throws IOException {
        Path log = karafLog();
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /** Waits until a line written to karaf.log after {@code mark} contains every fragment. */
    protected static void awaitLogSince(long mark, String what, String... fragments) throws InterruptedException {
        await(what, TIMEOUT, () -> loggedSince(mark, fragments));
    }

    private static boolean loggedSince(long mark, String... fragments) {
        try {
            return logSince(mark)
                    .lines()
                    .anyMatch(l -> java.util.Arrays.stream(fragments).allMatch(l::contains));
        } catch (IOException e) {
            return false;
        }
    }

    /** @return what karaf.log got after {@code mark} */
    protected static String logSince(long mark) throws IOException {
        try (java.io.RandomAccessFile f =
                new java.io.RandomAccessFile(karafLog().toFile(), "r")) {
            if (f.length() <= mark) {
                return "";
            }
            f.seek(mark);
            byte[] tail = new byte[(int) (f.length() - mark)];
            f.readFully(tail);
            return new String(tail, StandardCharsets.UTF_8);
        }
    }

    private static Path karafLog() {
        return Paths.get(System.getProperty("karaf.data"), "log", "karaf.log");
    }

    /** Appends a measured figure to {@code measurements.txt} in the test work directory. */
    protected static void record(String line) throws IOException {
        Path dir = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir")));
        Files.writeString(
                dir.resolve("measurements.txt"),
                line + System.lineSeparator(),
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * A topic whose namespace has a backlog quota of 10 bytes with the given policy, already over it: a
     * subscription exists and holds 500 bytes. The broker checks quotas every 2 s, so the refusal of new
     * producers may lag a little.
     *
     * @return the topic's path after {@code /ws/v2/<kind>/}, {@code persistent/public/<ns>/t}
     */
    protected static String topicOverBacklogQuota(String policy) throws Exception {
        String ns = "public/" + uniqueTopic("quota");
        assertEquals(204, admin("PUT", "/admin/v2/namespaces/" + ns, "").statusCode());
        HttpResponse<String> quota = admin(
                "POST",
                "/admin/v2/namespaces/" + ns + "/backlogQuota",
                "{\"limitSize\":10,\"limitTime\":-1,\"policy\":\"" + policy + "\"}");
        assertEquals(quota.body(), 204, quota.statusCode());
        String topic = "persistent/" + ns + "/t";
        try (WsClient c = WsClient.open(gateway() + "/ws/v2/consumer/" + topic + "/sub")) {
            // subscribed: what follows stays in its backlog
        }
        try (WsClient p = WsClient.open(gateway() + "/ws/v2/producer/" + topic)) {
            for (int i = 0; i < 5; i++) {
                p.send("{\"payload\":\"" + b64("x".repeat(100)) + "\"}");
                p.next(TIMEOUT); // ok, or send-error:8 once the quota bites
            }
        }
        return topic;
    }
}
