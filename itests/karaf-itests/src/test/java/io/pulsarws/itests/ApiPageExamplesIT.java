package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.Configuration;

/**
 * The API page's examples run by clients this project did not write: the NodeJS producer and consumer with the
 * npm {@code ws} client exactly as the page prints them (examples/nodejs), and the Python ones with Debian's
 * {@code websocket-client} (examples/python: the page's Python 2 with print and bytes brought to Python 3).
 * Only their {@code ws://localhost:8080} origin is pointed at this test's port.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ApiPageExamplesIT extends GatewayTestSupport {
    @javax.inject.Inject
    private org.osgi.service.cm.ConfigurationAdmin configAdmin;

    private static final String TOPIC = "/admin/persistent/my-property/us-west/my-ns/my-topic1";

    @Test
    public void nodeJsExamplesRunUnchanged() throws Exception {
        Path nodeDir = Paths.get(System.getProperty("itest.examples.dir"), "nodejs");
        Path work = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir")));
        Process consumer = node(nodeDir, work, "consumer.js");
        try {
            await("the example consumer to subscribe", TIMEOUT, () -> consumers(TOPIC, "my-sub1") == 1);
            Process producer = node(nodeDir, work, "producer.js");
            try {
                Path out = work.resolve("producer.js.out");
                await("the example producer's ack", TIMEOUT, () -> read(out).contains("received ack: "));
                String line = read(out)
                        .lines()
                        .filter(l -> l.startsWith("received ack: "))
                        .findFirst()
                        .orElseThrow();
                Map<String, Object> ack = Json.object(line.substring("received ack: ".length()));
                assertEquals("ok", ack.get("result"));
                assertEquals("1", ack.get("context"));
            } finally {
                producer.destroy();
            }
            // the example consumer acks what it receives: the message was delivered and left the backlog
            await(
                    "the example consumer's ack",
                    TIMEOUT,
                    () -> backlog(TOPIC, "my-sub1") == 0
                            && Long.valueOf(1)
                                    .equals(subscription(TOPIC, "my-sub1").get("msgOutCounter")));
        } finally {
            consumer.destroy();
            assertTrue(consumer.waitFor(10, TimeUnit.SECONDS));
        }
    }

    @Test
    public void pythonExamplesRun() throws Exception {
        Path pyDir = Paths.get(System.getProperty("itest.examples.dir"), "python");
        Path work = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir")));
        String admin = "/admin/persistent/sample/standalone/ns1/my-topic";
        Process consumer = run(List.of("/usr/bin/python3", "-u"), pyDir, work, "consumer.py");
        try {
            await("the example consumer to subscribe", TIMEOUT, () -> consumers(admin, "my-sub") == 1);
            Process producer = run(List.of("/usr/bin/python3", "-u"), pyDir, work, "producer.py");
            assertTrue(producer.waitFor(60, TimeUnit.SECONDS));
            assertEquals(read(work.resolve("producer.py.out")), 0, producer.exitValue());
            assertTrue(read(work.resolve("producer.py.out")).contains("Message published successfully"));
            await(
                    "the example consumer's output",
                    TIMEOUT,
                    () -> read(work.resolve("consumer.py.out")).contains("payload: b'Hello World'"));
            await("the example consumer's ack", TIMEOUT, () -> backlog(admin, "my-sub") == 0);
        } finally {
            consumer.destroy();
            assertTrue(consumer.waitFor(10, TimeUnit.SECONDS));
        }
    }

    /**
     * A client rebuild (a configuration change) closes every session with 1001 and a reason: the API page's own
     * Python client (Debian 12's websocket-client 1.2.3) reports that close. It rejects 1012 ("service restart")
     * with "Invalid close opcode", which is why the gateway does not send it.
     */
    @Test
    public void pythonClientSeesACleanCloseOnARestart() throws Exception {
        Path work = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir")));
        Path script = work.resolve("restart.py");
        Files.writeString(
                script,
                String.join(
                        "\n",
                        "import sys, websocket",
                        "ws = websocket.create_connection(sys.argv[1])",
                        "print('connected', flush=True)",
                        "try:",
                        "    while True:",
                        "        op, frame = ws.recv_data_frame(True)",
                        "        if op == websocket.ABNF.OPCODE_CLOSE:",
                        "            data = frame.data",
                        "            print('closed', int.from_bytes(data[:2], 'big'), data[2:].decode(), flush=True)",
                        "            break",
                        "except Exception as e:",
                        "    print('error', type(e).__name__, e, flush=True)",
                        ""));
        Path out = work.resolve("restart.py.out");
        Process python = new ProcessBuilder(
                        "/usr/bin/python3",
                        "-u",
                        script.toString(),
                        gateway() + path("consumer", uniqueTopic("restart")) + "/sub")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        try {
            await("the Python client connected", TIMEOUT, () -> read(out).contains("connected"));
            Configuration c = configAdmin.getConfiguration("io.pulsarws.gateway", null);
            Dictionary<String, Object> props = c.getProperties();
            props.put("connectionTimeoutMillis", 9000); // a client setting: the client is rebuilt
            c.update(props);
            assertTrue(python.waitFor(30, TimeUnit.SECONDS));
            assertEquals(
                    "closed 1001 Service restart: reconnect",
                    read(out).lines().skip(1).findFirst().orElse(""));
        } finally {
            python.destroy();
        }
    }

    /**
     * Issue 26: Debian's Python client sends a W3C {@code traceparent} header with its producer's handshake; the
     * message it publishes carries that trace, with a span id of the gateway's own, in its {@code traceparent}
     * property (a reader through the gateway sees it). On the code before, the message had no properties.
     */
    @Test
    public void pythonProducerContinuesItsTrace() throws Exception {
        String topic = uniqueTopic("py-trace");
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Path work = Files.createDirectories(Paths.get(System.getProperty("itest.work.dir")));
        Path script = work.resolve("traced.py");
        Files.writeString(
                script,
                String.join(
                        "\n",
                        "import sys, json, base64, websocket",
                        "ws = websocket.create_connection(sys.argv[1], header=['traceparent: ' + sys.argv[2]])",
                        "ws.send(json.dumps({'payload': base64.b64encode(b'traced').decode()}))",
                        "print(json.loads(ws.recv())['result'], flush=True)",
                        "ws.close()",
                        ""));
        Process python = new ProcessBuilder(
                        "/usr/bin/python3", "-u", script.toString(), gateway() + path("producer", topic), traceparent)
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("traced.py.out").toFile())
                .start();
        assertTrue(python.waitFor(30, TimeUnit.SECONDS));
        assertEquals(
                read(work.resolve("traced.py.out")),
                "ok",
                read(work.resolve("traced.py.out")).strip());
        try (WsClient reader = WsClient.open(gateway() + path("reader", topic) + "?messageId=earliest")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> properties =
                    (Map<String, Object>) Json.object(reader.next(TIMEOUT)).get("properties");
            String stored = String.valueOf(properties.get("traceparent"));
            assertTrue(stored, stored.startsWith(traceparent.substring(0, 36)) && stored.endsWith("-01"));
            assertTrue("the gateway's span: " + stored, !stored.contains("b7ad6b7169203331"));
        }
    }

    /** Runs one example with its origin pointed at this test's gateway; output goes to WORK/NAME.out. */
    private static Process node(Path nodeDir, Path work, String script) throws IOException {
        return run(List.of("node"), nodeDir, work, script);
    }

    private static Process run(List<String> interpreter, Path dir, Path work, String script) throws IOException {
        String source = Files.readString(dir.resolve(script));
        assertTrue(script + " still targets the API page's origin", source.contains("ws://localhost:8080"));
        Path copy = work.resolve(script);
        Files.writeString(copy, source.replace("ws://localhost:8080", gateway()));
        List<String> cmd = new java.util.ArrayList<>(interpreter);
        cmd.add(copy.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve(script + ".out").toFile());
        pb.environment().put("NODE_PATH", dir.resolve("node_modules").toString());
        return pb.start();
    }

    private static int consumers(String adminTopic, String sub) {
        Map<String, Object> s = subscription(adminTopic, sub);
        return s == null ? -1 : ((List<?>) s.get("consumers")).size();
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
