package io.pulsarws.testing.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Starts or stops a real Pulsar standalone broker in a child JVM.
 *
 * <pre>
 * start --dir DIR --classpath-file FILE [--broker-port N] [--web-port N] [--watch-pid P | --watch-parent]
 *       [--timeout-seconds S]
 *       [--api-page-namespaces] [--auth ROLE,ROLE...] [--zookeeper] [--tls] [--keep-data]
 *       [--external-port N]
 * stop  --dir DIR
 * zookeeper --dir DIR --classpath-file FILE [--watch-pid P]
 * </pre>
 * {@code start} returns once the broker serves the {@code public/default} namespace and writes
 * {@code DIR/broker.properties} ({@code pid}, {@code serviceUrl}, {@code webServiceUrl}, the ports); ports default
 * to free loopback ports. {@code stop} sends SIGTERM to that pid, then SIGKILL after 30 s.
 *
 * <p>{@code --auth} starts the broker with token authentication and authorization, as an operator would set it up
 * with Pulsar's own {@code tokens} tool: {@code DIR/auth/secret.key} (HS256) signs the broker's tokens,
 * {@code DIR/auth/ROLE.jwt} holds one token per listed role (role {@code admin} is the super-user and is always
 * created), and an RSA key pair {@code DIR/auth/public.key}/{@code private.key} signs {@code DIR/auth/rs-ROLE.jwt}
 * tokens that only a gateway configured with the public key accepts. Tokenless clients get the broker role
 * {@code anonymous}, which has no grant until a test gives it one.
 *
 * <p>{@code --tls} adds a TLS broker port with a self-signed certificate for 127.0.0.1 made with the JDK's keytool:
 * {@code DIR/tls/broker.p12} (PKCS12, password {@code changeit}) and its certificate {@code DIR/tls/broker.pem};
 * {@code DIR/tls/gateway.p12}/{@code gateway.pem} are a second pair, for a gateway's own HTTPS listener.
 * {@code broker.properties} then has {@code serviceUrlTls} and {@code tlsDir}.
 *
 * <p>{@code --zookeeper} keeps the metadata in a real ZooKeeper server (another child JVM, on a free port) instead
 * of RocksDB, as a multi-node cluster does; {@code broker.properties} then names it in {@code zookeeperServers}.
 *
 * <p>{@code --keep-data} starts on the data of the previous run in the same directory (a restart after a stop or a
 * crash; give the same ports), and keeps its ZooKeeper if one runs. A restart after SIGKILL needs the RocksDB
 * metadata (no {@code --zookeeper}): with ZooKeeper, the killed bookie's registration outlives it until its session
 * expires, and the new bookie refuses to start meanwhile. {@code --external-port N} makes the broker
 * advertise a second listener, {@code external}, at {@code pulsar://127.0.0.1:N}, on which it does not listen itself:
 * clients that choose it ({@code listenerName=external}) reach the broker through whatever listens there, e.g. a
 * test's TCP forwarder, while the broker's own clients use the {@code internal} listener directly.
 *
 * <p>{@code zookeeper} starts only a ZooKeeper server (no broker), e.g. a configuration store that a test may pause
 * without touching any broker; {@code DIR/zookeeper.port} and {@code DIR/zookeeper.pid} name it, and {@code stop}
 * stops it.
 */
public final class StandaloneBroker {
    private static final String PROPERTIES = "broker.properties";

    private StandaloneBroker() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        Options o = Options.parse(args);
        switch (args[0]) {
            case "start" -> System.exit(start(o));
            case "stop" -> System.exit(stop(o.dir));
            case "zookeeper" -> System.exit(zooKeeperOnly(o));
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: start --dir DIR --classpath-file FILE [--broker-port N] [--web-port N] "
                + "[--watch-pid P] [--timeout-seconds S] [--api-page-namespaces] [--auth ROLE,...] [--zookeeper] [--tls] "
                + "[--keep-data] [--external-port N] | stop --dir DIR");
        System.exit(2);
    }

    static int start(Options o) throws Exception {
        Path dir = o.dir.toAbsolutePath();
        String keptZooKeeper = o.keepData ? runningZooKeeper(dir) : null;
        stopBroker(dir); // a broker left by an interrupted run (or a crash) of the same directory
        if (keptZooKeeper == null) {
            stopZooKeeper(dir);
        }
        if (!o.keepData) {
            deleteTree(dir.resolve("data"));
        }
        Files.createDirectories(dir);
        int brokerPort = o.brokerPort > 0 ? o.brokerPort : freePort();
        int webPort = o.webPort > 0 ? o.webPort : freePort();
        String classpathOfBroker = Files.readString(o.classpathFile).trim();
        String adminToken = null;
        String conf0 = config(brokerPort, webPort);
        if (o.externalPort > 0) {
            conf0 += String.join(
                    "\n",
                    "advertisedListeners=internal:pulsar://127.0.0.1:" + brokerPort + ",external:pulsar://127.0.0.1:"
                            + o.externalPort,
                    "internalListenerName=internal",
                    "");
        }
        if (o.authRoles != null) {
            Path auth = Files.createDirectories(dir.resolve("auth"));
            adminToken = createTokens(classpathOfBroker, auth, o.authRoles);
            conf0 += authConfig(auth);
        }
        int tlsPort = 0;
        if (o.tls) {
            tlsPort = freePort();
            Path tls = Files.createDirectories(dir.resolve("tls"));
            selfSigned(tls, "broker");
            selfSigned(tls, "gateway");
            conf0 += String.join(
                    "\n",
                    "brokerServicePortTls=" + tlsPort,
                    "tlsEnabledWithKeyStore=true",
                    "tlsKeyStoreType=PKCS12",
                    "tlsKeyStore=" + tls.resolve("broker.p12"),
                    "tlsKeyStorePassword=changeit",
                    "");
        }
        Path conf = dir.resolve("standalone.conf");
        Files.writeString(conf, conf0);
        Path log4j = writeLog4j(
                dir,
                "%d{HH:mm:ss.SSS} %-5level %c{1.} - %msg%n",
                "info",
                "logger.bk.name = org.apache.bookkeeper",
                "logger.bk.level = warn",
                "logger.zk.name = org.apache.zookeeper",
                "logger.zk.level = warn");
        String classpath = withThisJar(classpathOfBroker);
        List<String> cmd = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m",
                "-Xmx768m",
                "-XX:MaxDirectMemorySize=512m",
                "-XX:+UseG1GC",
                "-Djava.net.preferIPv4Stack=true",
                "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-Dlog4j.shutdownHookEnabled=false",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")),
                "--add-opens",
                "java.base/java.io=ALL-UNNAMED",
                "--add-opens",
                "java.base/java.util.zip=ALL-UNNAMED",
                "--add-opens",
                "java.base/java.nio=ALL-UNNAMED",
                "--add-opens",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-opens",
                "java.base/jdk.internal.platform=ALL-UNNAMED",
                "--add-opens",
                "java.management/sun.management=ALL-UNNAMED",
                "--add-opens",
                "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp",
                classpath,
                BrokerMain.class.getName(),
                Long.toString(o.watchPid),
                "--config",
                conf.toString(),
                "--no-functions-worker",
                "--no-stream-storage",
                "--metadata-dir",
                dir.resolve("data/metadata").toString(),
                "--bookkeeper-dir",
                dir.resolve("data/bookkeeper").toString()));
        String zookeeper = keptZooKeeper;
        if (o.zookeeper && zookeeper == null) {
            zookeeper = startZooKeeper(dir, classpath, o.watchPid, o.keepData);
        }
        if (zookeeper != null) {
            int at = cmd.indexOf("--metadata-dir");
            cmd.set(at, "--metadata-url");
            cmd.set(at + 1, "zk:" + zookeeper);
        }
        Path log = dir.resolve("broker.log");
        if (!o.keepData) {
            Files.deleteIfExists(log); // a restart on kept data appends to it, a fresh start begins anew
        }
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        String web = "http://127.0.0.1:" + webPort;
        System.out.println("Pulsar standalone starting: pid " + p.pid() + ", broker port " + brokerPort + ", web port "
                + webPort + ", log " + log);
        long deadline = System.nanoTime() + Duration.ofSeconds(o.timeoutSeconds).toNanos();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        while (!ready(http, web, adminToken)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                System.err.println("Pulsar standalone did not become ready"
                        + (p.isAlive() ? " in time" : " (exited " + p.exitValue() + ")") + "; last lines of " + log
                        + ":");
                tail(log, 40);
                p.destroyForcibly();
                stopZooKeeper(dir);
                return 1;
            }
            p.waitFor(500, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        if (o.apiPageNamespaces) {
            provisionApiPageNamespaces(http, web, "pulsar://127.0.0.1:" + brokerPort);
        }
        Properties props = new Properties();
        props.setProperty("pid", Long.toString(p.pid()));
        props.setProperty("brokerPort", Integer.toString(brokerPort));
        props.setProperty("webPort", Integer.toString(webPort));
        props.setProperty("serviceUrl", "pulsar://127.0.0.1:" + brokerPort);
        props.setProperty("webServiceUrl", web);
        if (adminToken != null) {
            props.setProperty("authDir", dir.resolve("auth").toString());
        }
        if (tlsPort > 0) {
            props.setProperty("serviceUrlTls", "pulsar+ssl://127.0.0.1:" + tlsPort);
            props.setProperty("tlsDir", dir.resolve("tls").toString());
        }
        if (o.externalPort > 0) {
            props.setProperty("externalServiceUrl", "pulsar://127.0.0.1:" + o.externalPort);
        }
        if (zookeeper != null) {
            props.setProperty("zookeeperServers", zookeeper);
            props.setProperty(
                    "zookeeperPid",
                    Files.readString(dir.resolve("zookeeper.pid")).trim());
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(PROPERTIES))) {
            props.store(out, "Pulsar standalone started by " + StandaloneBroker.class.getName());
        }
        System.out.println("Pulsar standalone ready: pulsar://127.0.0.1:" + brokerPort + " " + web);
        return 0;
    }

    static int zooKeeperOnly(Options o) throws Exception {
        Path dir = Files.createDirectories(o.dir.toAbsolutePath());
        String classpath = withThisJar(Files.readString(o.classpathFile).trim());
        writeLog4j(dir, "%d %-5level %msg%n", "warn");
        startZooKeeper(dir, classpath, o.watchPid, false);
        return 0;
    }

    /** @return the class path with this launcher's own jar (or classes) appended, for its main classes */
    private static String withThisJar(String classpath) throws java.net.URISyntaxException {
        return classpath
                + java.io.File.pathSeparator
                + Paths.get(StandaloneBroker.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
    }

    /**
     * Writes the log4j2 configuration of a child JVM: everything to the console (which its log file collects).
     *
     * @return the file written, {@code log4j2.properties} in {@code dir}
     */
    private static Path writeLog4j(Path dir, String pattern, String rootLevel, String... more) throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "status = warn",
                "appender.console.type = Console",
                "appender.console.name = console",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = " + pattern,
                "rootLogger.level = " + rootLevel,
                "rootLogger.appenderRef.console.ref = console"));
        lines.addAll(List.of(more));
        lines.add("");
        Path file = dir.resolve("log4j2.properties");
        Files.writeString(file, String.join("\n", lines));
        return file;
    }

    static int stop(Path dir) throws IOException, InterruptedException {
        stopBroker(dir);
        stopZooKeeper(dir);
        return 0;
    }

    /** Stops the broker of this directory, if one runs, and forgets its properties. */
    private static void stopBroker(Path dir) throws IOException, InterruptedException {
        Path file = dir.resolve(PROPERTIES);
        if (!Files.exists(file)) {
            return;
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        }
        Files.delete(file);
        long pid = Long.parseLong(props.getProperty("pid"));
        if (terminate(pid, dir, BrokerMain.class)) {
            System.out.println("Pulsar standalone stopped: pid " + pid);
        }
    }

    /** @return {@code host:port} of this directory's ZooKeeper if it still runs (a restart keeps it), else null */
    private static String runningZooKeeper(Path dir) throws IOException {
        Path pidFile = dir.resolve("zookeeper.pid");
        Path portFile = dir.resolve("zookeeper.port");
        if (!Files.exists(pidFile) || !Files.exists(portFile)) {
            return null;
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && isOurs(pid, dir, ZooKeeperMain.class);
        return alive ? "127.0.0.1:" + Files.readString(portFile).trim() : null;
    }

    /** Stops the process if it still runs {@code main} for this directory: SIGTERM, then SIGKILL after 30 s. */
    private static boolean terminate(long pid, Path dir, Class<?> main) throws InterruptedException {
        ProcessHandle h = ProcessHandle.of(pid).orElse(null);
        if (h == null || !h.isAlive()) {
            return false;
        }
        if (!isOurs(pid, dir, main)) {
            System.err.println("pid " + pid + " no longer runs " + main.getSimpleName() + "; not touching it");
            return false;
        }
        h.destroy();
        try {
            h.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            h.destroyForcibly();
        }
        return true;
    }

    /** A self-signed RSA certificate for 127.0.0.1 and localhost, valid two days: NAME.p12 and NAME.pem. */
    private static void selfSigned(Path dir, String name) throws Exception {
        Path p12 = dir.resolve(name + ".p12");
        Files.deleteIfExists(p12);
        String keytool =
                Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
        exec(
                keytool,
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=127.0.0.1, OU=" + name + ", O=pulsar-websocket tests",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype",
                "PKCS12",
                "-keystore",
                p12.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        exec(
                keytool,
                "-exportcert",
                "-rfc",
                "-alias",
                name,
                "-keystore",
                p12.toString(),
                "-storepass",
                "changeit",
                "-file",
                dir.resolve(name + ".pem").toString());
    }

    private static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("failed: " + String.join(" ", cmd));
        }
    }

    /** @return {@code host:port} of a ZooKeeper server started for this broker, once it accepts connections */
    private static String startZooKeeper(Path dir, String classpath, long watchPid, boolean keepData) throws Exception {
        stopZooKeeper(dir);
        Path portFile = dir.resolve("zookeeper.port");
        // a restart on kept data keeps the port too, since the broker's metadata names it nowhere but clients do
        int port = keepData && Files.exists(portFile)
                ? Integer.parseInt(Files.readString(portFile).trim())
                : freePort();
        Path data = dir.resolve("data/zookeeper");
        if (!keepData) {
            deleteTree(data);
        }
        Files.createDirectories(data);
        Files.writeString(portFile, Integer.toString(port));
        Path cfg = dir.resolve("zoo.cfg");
        Files.writeString(
                cfg,
                String.join(
                        "\n",
                        "tickTime=2000",
                        "dataDir=" + data,
                        "clientPort=" + port,
                        "clientPortAddress=127.0.0.1",
                        "admin.enableServer=false",
                        "maxClientCnxns=0",
                        ""));
        Process zk = new ProcessBuilder(
                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-Xms32m",
                        "-Xmx128m",
                        "-Dlog4j2.configurationFile="
                                + dir.resolve("log4j2.properties").toUri(),
                        "-cp",
                        classpath,
                        ZooKeeperMain.class.getName(),
                        Long.toString(watchPid),
                        cfg.toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("zookeeper.log").toFile())
                .start();
        Files.writeString(dir.resolve("zookeeper.pid"), Long.toString(zk.pid()));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                // a ZooKeeper still loading its database can fail to close the command's socket (its
                // ServerCnxn NPE): without a timeout this read waited for ever, and the build with it
                s.setSoTimeout(2_000);
                s.getOutputStream()
                        .write("srvr"
                                .getBytes(StandardCharsets.US_ASCII)); // the one four-letter word allowed by default
                if (new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                        .contains("Mode: standalone")) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet, or no answer within the socket timeout
            }
            if (!zk.isAlive() || System.nanoTime() > deadline) {
                zk.destroyForcibly();
                throw new IOException("ZooKeeper did not start; see " + dir.resolve("zookeeper.log"));
            }
            zk.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        System.out.println("ZooKeeper ready: pid " + zk.pid() + ", 127.0.0.1:" + port);
        return "127.0.0.1:" + port;
    }

    private static void stopZooKeeper(Path dir) throws IOException, InterruptedException {
        Path pidFile = dir.resolve("zookeeper.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Files.delete(pidFile);
        if (terminate(pid, dir, ZooKeeperMain.class)) {
            System.out.println("ZooKeeper stopped: pid " + pid);
        }
    }

    /**
     * Guards against a recycled pid: the process must run {@code main} for this directory. Reads
     * /proc directly because {@code ProcessHandle.Info} truncates the broker's long command line.
     */
    private static boolean isOurs(long pid, Path dir, Class<?> main) {
        String cmd;
        try {
            cmd = new String(
                    Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            cmd = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
        }
        return cmd.contains(main.getName()) && cmd.contains(dir.toAbsolutePath().toString());
    }

    private static boolean ready(HttpClient http, String web, String adminToken) {
        try {
            HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(web + "/admin/v2/namespaces/public"))
                    .timeout(Duration.ofSeconds(5))
                    .GET();
            if (adminToken != null) {
                get.header("Authorization", "Bearer " + adminToken);
            }
            HttpResponse<String> r = http.send(get.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("public/default");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The v1 namespaces of the API page's examples: {@code sample/standalone/ns1} (Python) and
     * {@code my-property/us-west/my-ns} (NodeJS). The latter names a cluster {@code us-west}, registered here as
     * another name for this same broker, so that the examples run unchanged.
     */
    private static void provisionApiPageNamespaces(HttpClient http, String web, String serviceUrl) throws Exception {
        put(http, web + "/admin/v2/tenants/sample", "{\"allowedClusters\":[\"standalone\"]}");
        put(http, web + "/admin/namespaces/sample/standalone/ns1", "");
        put(
                http,
                web + "/admin/v2/clusters/us-west",
                "{\"serviceUrl\":\"" + web + "\",\"brokerServiceUrl\":\"" + serviceUrl + "\"}");
        put(http, web + "/admin/v2/tenants/my-property", "{\"allowedClusters\":[\"standalone\",\"us-west\"]}");
        put(http, web + "/admin/namespaces/my-property/us-west/my-ns", "");
    }

    private static void put(HttpClient http, String url, String json) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2 && r.statusCode() != 409) {
            throw new IOException("PUT " + url + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static String config(int brokerPort, int webPort) {
        return String.join(
                "\n",
                "clusterName=standalone",
                "bindAddress=127.0.0.1",
                "advertisedAddress=127.0.0.1",
                "brokerServicePort=" + brokerPort,
                "webServicePort=" + webPort,
                // Pulsar's own WebSocket service on the broker's web port, for interoperability tests
                "webSocketServiceEnabled=true",
                "functionsWorkerEnabled=false",
                "managedLedgerDefaultEnsembleSize=1",
                "managedLedgerDefaultWriteQuorum=1",
                "managedLedgerDefaultAckQuorum=1",
                "loadManagerClassName=org.apache.pulsar.broker.loadbalance.NoopLoadManager",
                "loadBalancerEnabled=false",
                "allowAutoTopicCreation=true",
                "allowAutoTopicCreationType=non-partitioned",
                "transactionCoordinatorEnabled=false",
                "brokerDeduplicationEnabled=false",
                // backlog quotas are checked every 2 s instead of 60 s, so quota tests need no long waits
                "backlogQuotaCheckIntervalInSeconds=2",
                "allowLoopback=true",
                "listeningInterface=lo",
                "ledgerStorageClass=org.apache.bookkeeper.bookie.storage.ldb.DbLedgerStorage",
                "journalSyncData=false",
                "journalMaxGroupWaitMSec=1",
                "diskUsageThreshold=0.99",
                "diskUsageWarnThreshold=0.99",
                "flushInterval=60000",
                "gcWaitTime=300000",
                "nettyMaxFrameSizeBytes=5253120",
                "dbStorage_writeCacheMaxSizeMb=32",
                "dbStorage_readAheadCacheMaxSizeMb=32",
                "dbStorage_rocksDB_blockCacheSize=16777216",
                "dbStorage_rocksDB_writeBufferSizeMB=4",
                "dbStorage_rocksDB_sstSizeInMB=4",
                "");
    }

    /**
     * Runs Pulsar's own {@code tokens} command-line tool ({@code TokensCliUtils}, from the broker's classpath): one
     * secret key, one RSA key pair, and one token per role signed with each. The token tools run in parallel.
     *
     * @return the super-user's token
     */
    private static String createTokens(String classpath, Path auth, List<String> roles) throws Exception {
        tokens(
                classpath,
                null,
                "create-secret-key",
                "--output",
                auth.resolve("secret.key").toString());
        tokens(
                classpath,
                null,
                "create-key-pair",
                "--signature-algorithm",
                "RS256",
                "--output-private-key",
                auth.resolve("private.key").toString(),
                "--output-public-key",
                auth.resolve("public.key").toString());
        List<String> all = new ArrayList<>(List.of("admin"));
        roles.stream().filter(r -> !all.contains(r)).forEach(all::add);
        List<Process> running = new ArrayList<>();
        for (String role : all) {
            running.add(tokenProcess(
                    classpath,
                    auth.resolve(role + ".jwt"),
                    "create",
                    "--subject",
                    role,
                    "--secret-key",
                    auth.resolve("secret.key").toUri().toString()));
            running.add(tokenProcess(
                    classpath,
                    auth.resolve("rs-" + role + ".jwt"),
                    "create",
                    "--subject",
                    role,
                    "--private-key",
                    auth.resolve("private.key").toUri().toString()));
        }
        for (Process p : running) {
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(
                        "Pulsar's tokens tool failed: " + p.info().commandLine().orElse("?"));
            }
        }
        return Files.readString(auth.resolve("admin.jwt")).trim();
    }

    private static void tokens(String classpath, Path output, String... args) throws Exception {
        Process p = tokenProcess(classpath, output, args);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("Pulsar's tokens tool failed: tokens " + String.join(" ", args));
        }
    }

    private static Process tokenProcess(String classpath, Path output, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-cp",
                classpath,
                "org.apache.pulsar.utils.auth.tokens.TokensCliUtils"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (output != null) {
            pb.redirectOutput(output.toFile());
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        return pb.start();
    }

    /** Token authentication and authorization, with the broker's internal clients using the super-user's token. */
    private static String authConfig(Path auth) {
        return String.join(
                "\n",
                "authenticationEnabled=true",
                "authorizationEnabled=true",
                "authenticationProviders=org.apache.pulsar.broker.authentication.AuthenticationProviderToken",
                "tokenSecretKey=" + auth.resolve("secret.key").toUri(),
                "superUserRoles=admin",
                "anonymousUserRole=anonymous",
                // a connection whose token expired is asked for a fresh one within 5 s (60 by default), so that
                // AuthorizationAtScaleIT sees a role's client renew its credentials within a test's time
                "authenticationRefreshCheckSeconds=5",
                "brokerClientAuthenticationPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken",
                "brokerClientAuthenticationParameters=file://" + auth.resolve("admin.jwt"),
                // the broker's own WebSocket service and function worker stay out of the secured broker
                "webSocketServiceEnabled=false",
                "");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void tail(Path log, int lines) throws IOException {
        if (Files.exists(log)) {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.err::println);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Command-line options. */
    static final class Options {
        Path dir;
        Path classpathFile;
        int brokerPort;
        int webPort;
        long watchPid;
        int timeoutSeconds = 180;
        boolean keepData;
        int externalPort;
        boolean apiPageNamespaces;
        boolean zookeeper;
        boolean tls;
        List<String> authRoles;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--dir" -> o.dir = Paths.get(args[++i]);
                    case "--classpath-file" -> o.classpathFile = Paths.get(args[++i]);
                    case "--broker-port" -> o.brokerPort = Integer.parseInt(args[++i]);
                    case "--web-port" -> o.webPort = Integer.parseInt(args[++i]);
                    case "--watch-pid" -> o.watchPid = Long.parseLong(args[++i]);
                    // the process that ran this launcher, e.g. the Maven build
                    case "--watch-parent" ->
                        o.watchPid = ProcessHandle.current()
                                .parent()
                                .map(ProcessHandle::pid)
                                .orElse(0L);
                    case "--timeout-seconds" -> o.timeoutSeconds = Integer.parseInt(args[++i]);
                    case "--api-page-namespaces" -> o.apiPageNamespaces = true;
                    case "--zookeeper" -> o.zookeeper = true;
                    case "--tls" -> o.tls = true;
                    case "--keep-data" -> o.keepData = true;
                    case "--external-port" -> o.externalPort = Integer.parseInt(args[++i]);
                    case "--auth" -> o.authRoles = List.of(args[++i].split(","));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (o.dir == null) {
                throw new IllegalArgumentException("--dir is required");
            }
            return o;
        }
    }
}
