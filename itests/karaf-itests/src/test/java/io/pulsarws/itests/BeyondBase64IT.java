package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.schema.GenericRecord;
import org.apache.pulsar.client.api.schema.GenericSchema;
import org.apache.pulsar.common.schema.SchemaInfo;
import org.apache.pulsar.common.schema.SchemaType;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Beyond base64 (issue 16): schema-aware topics with {@code payloadFormat=json} (a JSON and an Avro schema made
 * through the broker's admin API, values that do not fit, interop with base64 clients and with the Pulsar Java
 * client), and the HTTP fallback (Server-Sent Events with acks by POST, automatic acks, a reader resuming with
 * {@code Last-Event-ID}, produce by POST) with the JDK's HTTP client.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class BeyondBase64IT extends GatewayTestSupport {
    @javax.inject.Inject
    private org.osgi.service.cm.ConfigurationAdmin configAdmin;

    private static final String USER_SCHEMA =
            "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"io.pulsarws.test\","
                    + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\"},"
                    + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null},"
                    + "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"},\"default\":[]},"
                    + "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"ADMIN\",\"GUEST\"]},"
                    + "\"default\":\"GUEST\"}]}";

    private static String http() {
        return "http://127.0.0.1:" + System.getProperty("itest.http.port");
    }

    private static String httpPath(String kind, String topic) {
        return http() + "/http/v2/" + kind + "/persistent/public/default/" + topic;
    }

    /** Gives the topic a schema through the broker's admin API. */
    private static void schema(String topic, String type, String definition) throws Exception {
        String body = Json.write(Map.of("type", type, "schema", definition, "properties", Map.of()));
        HttpResponse<String> r = admin("POST", "/admin/v2/schemas/public/default/" + topic + "/schema", body);
        assertEquals(r.body(), 2, r.statusCode() / 100);
    }

    private static HttpResponse<String> post(String url, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::setHeader);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static PulsarClient client() throws Exception {
        return PulsarClient.builder()
                .serviceUrl(System.getProperty("itest.broker.serviceUrl"))
                .build();
    }

    /**
     * An Avro topic: a json producer's values are checked and stored as Avro (the Java client reads them as
     * records); a value that does not fit is send-error:7 naming the field; json consumers and readers get records
     * the Java client wrote as JSON, base64 consumers the Avro bytes.
     */
    @Test
    public void a_avroTopicTakesAndGivesJson() throws Exception {
        String topic = uniqueTopic("avro");
        schema(topic, "AVRO", USER_SCHEMA);
        try (PulsarClient client = client();
                Consumer<GenericRecord> java = client.newConsumer(Schema.AUTO_CONSUME())
                        .topic("persistent://public/default/" + topic)
                        .subscriptionName("java")
                        .subscribe();
                WsClient json = WsClient.open(gateway() + path("consumer", topic) + "/s-json?payloadFormat=json");
                WsClient b64 = WsClient.open(gateway() + path("consumer", topic) + "/s-b64");
                WsClient producer = WsClient.open(gateway() + path("producer", topic) + "?payloadFormat=json")) {
            producer.send("{\"payload\":{\"name\":\"Ada\",\"age\":36,\"email\":\"ada@example.org\",\"tags\":[\"x\"],"
                    + "\"kind\":\"ADMIN\"},\"context\":\"1\"}");
            assertEquals("ok", Json.object(producer.next(TIMEOUT)).get("result"));
            producer.send("{\"payload\":{\"name\":\"Bob\",\"age\":7},\"context\":\"2\"}"); // defaults fill the rest
            assertEquals("ok", Json.object(producer.next(TIMEOUT)).get("result"));
            producer.send("{\"payload\":{\"name\":\"Eve\",\"age\":\"old\"},\"context\":\"3\"}");
            Map<String, Object> refused = Json.object(producer.next(TIMEOUT));
            assertEquals("send-error:7", refused.get("result"));
            String why = (String) refused.get("errorMsg");
            assertTrue(why, why.startsWith("payload does not fit the topic's AVRO schema: ") && why.contains("age"));
            producer.send("{\"payload\":{\"name\":\"Eve\",\"age\":1,\"shoe\":42},\"context\":\"4\"}");
            Map<String, Object> extra = Json.object(producer.next(TIMEOUT));
            assertEquals("send-error:7", extra.get("result"));
            assertTrue((String) extra.get("errorMsg"), ((String) extra.get("errorMsg")).contains("shoe"));

            Message<GenericRecord> m = java.receive(30, TimeUnit.SECONDS);
            assertEquals("Ada", m.getValue().getField("name"));
            assertEquals(36, m.getValue().getField("age"));
            assertEquals("ada@example.org", m.getValue().getField("email"));
            Message<GenericRecord> m2 = java.receive(30, TimeUnit.SECONDS);
            assertEquals("Bob", m2.getValue().getField("name"));
            assertNull(m2.getValue().getField("email"));

            Map<String, Object> first = Json.object(json.next(TIMEOUT));
            assertNull(first.get("payloadFormat"));
            assertEquals(
                    Map.of(
                            "name",
                            "Ada",
                            "age",
                            36L,
                            "email",
                            "ada@example.org",
                            "tags",
                            List.of("x"),
                            "kind",
                            "ADMIN"),
                    first.get("payload"));
            assertEquals(
                    Map.of("name", "Bob", "age", 7L, "tags", List.of(), "kind", "GUEST"),
                    withoutNulls(Json.object(json.next(TIMEOUT)).get("payload")));
            // base64 clients are untouched: they get the Avro bytes (name "Ada": length 3 zig-zag = 6, then ASCII)
            byte[] avro = Base64.getDecoder()
                    .decode((String) Json.object(b64.next(TIMEOUT)).get("payload"));
            assertEquals(6, avro[0]);
            assertEquals("Ada", new String(avro, 1, 3, StandardCharsets.US_ASCII));
        }
        HttpResponse<String> versions = admin("GET", "/admin/v2/schemas/public/default/" + topic + "/schema");
        assertEquals(
                "the producer took the topic's schema: no new version",
                0L,
                Json.object(versions.body()).get("version"));
    }

    /** The Java client writes Avro records (bytes, a map, a union); a json reader gets them as JSON. */
    @Test
    public void b_avroWrittenByTheJavaClientIsReadAsJson() throws Exception {
        String topic = uniqueTopic("avrojava");
        String definition = "{\"type\":\"record\",\"name\":\"Event\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"note\",\"type\":[\"null\",\"string\"]},"
                + "{\"name\":\"data\",\"type\":\"bytes\"},"
                + "{\"name\":\"counts\",\"type\":{\"type\":\"map\",\"values\":\"int\"}}]}";
        schema(topic, "AVRO", definition);
        try (PulsarClient client = client()) {
            GenericSchema<GenericRecord> s = Schema.generic(SchemaInfo.builder()
                    .name(topic)
                    .type(SchemaType.AVRO)
                    .schema(definition.getBytes(StandardCharsets.UTF_8))
                    .properties(Map.of())
                    .build());
            try (Producer<GenericRecord> p = client.newProducer(s)
                    .topic("persistent://public/default/" + topic)
                    .create()) {
                p.send(s.newRecordBuilder()
                        .set("id", 5L)
                        .set("note", "hi")
                        .set("data", java.nio.ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xff}))
                        .set("counts", Map.of("a", 1))
                        .build());
            }
        }
        try (WsClient reader =
                WsClient.open(gateway() + path("reader", topic) + "?messageId=earliest&payloadFormat=json")) {
            assertEquals(
                    Map.of("id", 5L, "note", "hi", "data", "AAH/", "counts", Map.of("a", 1L)),
                    Json.object(reader.next(TIMEOUT)).get("payload"));
        }
        try (WsClient reader = WsClient.open(gateway() + path("reader", topic) + "?messageId=earliest")) {
            assertNull(
                    "a base64 reader is untouched",
                    Json.object(reader.next(TIMEOUT)).get("payloadFormat"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutNulls(Object value) {
        Map<String, Object> m = new java.util.LinkedHashMap<>((Map<String, Object>) value);
        m.values().removeIf(java.util.Objects::isNull);
        return m;
    }

    /**
     * A JSON-schema topic: values are checked against the schema and stored as the JSON itself, which base64
     * consumers and the Java client read as before; a value without a required field is send-error:7.
     */
    @Test
    public void bb_jsonSchemaTopicChecksValues() throws Exception {
        String topic = uniqueTopic("jsonschema");
        schema(topic, "JSON", USER_SCHEMA);
        try (WsClient b64 = WsClient.open(gateway() + path("consumer", topic) + "/s-b64");
                WsClient json = WsClient.open(gateway() + path("consumer", topic) + "/s-json?payloadFormat=json");
                WsClient producer = WsClient.open(gateway() + path("producer", topic) + "?payloadFormat=json")) {
            producer.send("{\"payload\":{\"name\":\"Ada\",\"age\":36}}");
            assertEquals("ok", Json.object(producer.next(TIMEOUT)).get("result"));
            producer.send("{\"payload\":{\"age\":36},\"context\":\"no-name\"}");
            Map<String, Object> refused = Json.object(producer.next(TIMEOUT));
            assertEquals("send-error:7", refused.get("result"));
            assertEquals("no-name", refused.get("context"));
            String why = (String) refused.get("errorMsg");
            assertTrue(why, why.startsWith("payload does not fit the topic's JSON schema: ") && why.contains("name"));
            assertEquals("{\"name\":\"Ada\",\"age\":36}", text(Json.object(b64.next(TIMEOUT))));
            assertEquals(
                    Map.of("name", "Ada", "age", 36L),
                    Json.object(json.next(TIMEOUT)).get("payload"));
        }
        // another schema type: the Pulsar client checks the value against it (8 bytes for INT64)
        String longs = uniqueTopic("int64");
        schema(longs, "INT64", "");
        try (WsClient producer = WsClient.open(gateway() + path("producer", longs) + "?payloadFormat=json")) {
            producer.send("{\"payload\":42,\"context\":\"n\"}");
            Map<String, Object> refused = Json.object(producer.next(TIMEOUT));
            assertEquals("send-error:7", refused.get("result"));
            assertTrue(
                    refused.toString(),
                    ((String) refused.get("errorMsg")).startsWith("payload does not fit the topic's schema: "));
            producer.send("{\"payload\":\"still open\"}");
            assertEquals("send-error:7", Json.object(producer.next(TIMEOUT)).get("result"));
        }
        // a topic without a schema takes any JSON value, as bytes
        String plain = uniqueTopic("noschema");
        try (WsClient producer = WsClient.open(gateway() + path("producer", plain) + "?payloadFormat=json")) {
            producer.send("{\"payload\":{\"anything\":[1,\"two\"]}}");
            assertEquals("ok", Json.object(producer.next(TIMEOUT)).get("result"));
        }
    }

    /** SSE: the session event, one event per message with its id, acks by POST; the backlog drains. */
    @Test
    public void c_serverSentEventsWithAcksByPost() throws Exception {
        String topic = uniqueTopic("sse");
        String url = httpPath("consumer", topic) + "/sub?subscriptionType=Shared";
        String consumers = "pulsarws_sessions{kind=\"consumer\"} ";
        await("the earlier tests' consumers closed", TIMEOUT, () -> metric(consumers) == 0);
        try (SseClient sse = SseClient.open(url, Map.of())) {
            assertEquals(200, sse.status());
            assertEquals(
                    "text/event-stream;charset=utf-8",
                    sse.response()
                            .headers()
                            .firstValue("Content-Type")
                            .orElse("")
                            .replace(" ", "")
                            .toLowerCase());
            SseClient.Event session = sse.next(TIMEOUT);
            assertEquals("session", session.event());
            assertEquals("the stream is a consumer session in the metrics", 1.0, metric(consumers), 0);
            String id = (String) Json.object(session.data()).get("session");
            assertNotNull(id);
            List<String> ids = produce(topic, "m0", "m1", "m2");
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                SseClient.Event e = sse.next(TIMEOUT);
                assertEquals("message", e.event());
                Map<String, Object> frame = Json.object(e.data());
                assertEquals(e.id(), frame.get("messageId"));
                assertEquals("m" + i, text(frame));
                got.add(e.id());
            }
            assertEquals(ids, got);
            String adminTopic = "/admin/v2/persistent/public/default/" + topic;
            assertEquals(3, backlog(adminTopic, "sub"));
            HttpResponse<String> acked = post(
                    url + "&session=" + id,
                    "[{\"messageId\":\"" + got.get(0) + "\"},{\"messageId\":\"" + got.get(1) + "\"}]",
                    Map.of());
            assertEquals(acked.body(), 204, acked.statusCode());
            await("two acks applied", TIMEOUT, () -> backlog(adminTopic, "sub") == 1);
            HttpResponse<String> one = post(url + "&session=" + id, "{\"messageId\":\"" + got.get(2) + "\"}", Map.of());
            assertEquals(204, one.statusCode());
            await("the third ack applied", TIMEOUT, () -> backlog(adminTopic, "sub") == 0);
            HttpResponse<String> unknown =
                    post(url + "&session=nope", "{\"messageId\":\"" + got.get(2) + "\"}", Map.of());
            assertEquals(404, unknown.statusCode());
        }
    }

    /** autoAck=true: a message is acked once its event is written. */
    @Test
    public void d_autoAck() throws Exception {
        String topic = uniqueTopic("sseauto");
        String adminTopic = "/admin/v2/persistent/public/default/" + topic;
        try (SseClient sse = SseClient.open(httpPath("consumer", topic) + "/sub?autoAck=true", Map.of())) {
            assertEquals("session", sse.next(TIMEOUT).event());
            produce(topic, "a", "b");
            assertEquals("a", text(Json.object(sse.next(TIMEOUT).data())));
            assertEquals("b", text(Json.object(sse.next(TIMEOUT).data())));
            await("both acked automatically", TIMEOUT, () -> backlog(adminTopic, "sub") == 0);
        }
    }

    /** A reader that reconnects with Last-Event-ID resumes after that message. */
    @Test
    public void e_readerResumesWithLastEventId() throws Exception {
        String topic = uniqueTopic("sseread");
        List<String> ids = produce(topic, "r0", "r1", "r2", "r3");
        String url = httpPath("reader", topic) + "?messageId=earliest";
        String last;
        try (SseClient sse = SseClient.open(url, Map.of())) {
            assertEquals("session", sse.next(TIMEOUT).event());
            assertEquals("r0", text(Json.object(sse.next(TIMEOUT).data())));
            SseClient.Event second = sse.next(TIMEOUT);
            assertEquals("r1", text(Json.object(second.data())));
            last = second.id();
        }
        assertEquals(ids.get(1), last);
        try (SseClient again = SseClient.open(url, Map.of("Last-Event-ID", last))) {
            assertEquals("session", again.next(TIMEOUT).event());
            SseClient.Event e = again.next(TIMEOUT);
            assertEquals("r2", text(Json.object(e.data())));
            assertEquals(ids.get(2), e.id());
        }
        try (SseClient bad = SseClient.open(url, Map.of("Last-Event-ID", "%%not-an-id"))) {
            assertEquals(400, bad.status());
        }
    }

    /** POST of one frame, and of an array whose middle frame is refused: the results in order. */
    @Test
    public void f_produceByPost() throws Exception {
        String topic = uniqueTopic("post");
        String published = "pulsarws_messages_published_total{namespace=\"public/default\"} ";
        double publishedBefore = metric(published);
        try (WsClient consumer = WsClient.open(gateway() + path("consumer", topic) + "/s")) {
            HttpResponse<String> one = post(
                    httpPath("producer", topic), "{\"payload\":\"" + b64("p0") + "\",\"context\":\"c0\"}", Map.of());
            assertEquals(one.body(), 200, one.statusCode());
            Map<String, Object> r = Json.object(one.body());
            assertEquals("ok", r.get("result"));
            assertEquals("c0", r.get("context"));
            HttpResponse<String> many = post(
                    httpPath("producer", topic),
                    "[{\"payload\":\"" + b64("p1") + "\",\"context\":\"c1\"},{\"payload\":\"%%%\",\"context\":\"c2\"},"
                            + "{\"payload\":\"" + b64("p3") + "\",\"context\":\"c3\"}]",
                    Map.of());
            assertEquals(many.body(), 200, many.statusCode());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> results = (List<Map<String, Object>>) Json.any(many.body());
            assertEquals(3, results.size());
            assertEquals("ok", results.get(0).get("result"));
            assertEquals("c1", results.get(0).get("context"));
            assertTrue(
                    String.valueOf(results.get(1)), ((String) results.get(1).get("result")).startsWith("send-error:"));
            assertEquals("c2", results.get(1).get("context"));
            assertEquals("ok", results.get(2).get("result"));
            assertEquals("c3", results.get(2).get("context"));
            for (String expected : List.of("p0", "p1", "p3")) {
                assertEquals(expected, text(Json.object(consumer.next(TIMEOUT))));
            }
            HttpResponse<String> json =
                    post(httpPath("producer", topic) + "?payloadFormat=json", "{\"payload\":{\"k\":1}}", Map.of());
            assertEquals("ok", Json.object(json.body()).get("result"));
            assertEquals("{\"k\":1}", text(Json.object(consumer.next(TIMEOUT))));
            // sent as a form, as curl -d does by default: the body is still the frame (before, the container parsed
            // it as form fields for the query's parameters, and the frame was gone: 400)
            HttpResponse<String> form = post(
                    httpPath("producer", topic) + "?payloadFormat=json",
                    "{\"payload\":{\"k\":2}}",
                    Map.of("Content-Type", "application/x-www-form-urlencoded"));
            assertEquals(form.body(), 200, form.statusCode());
            assertEquals("ok", Json.object(form.body()).get("result"));
            assertEquals("{\"k\":2}", text(Json.object(consumer.next(TIMEOUT))));
        }
        assertEquals("the posts' messages are counted as a WebSocket's", 5.0, metric(published) - publishedBefore, 0);
    }

    /**
     * Issue 25: a POST hands its producer to the next POST with the same role, topic and options (the broker's
     * topic stats show one publisher, the same one, after both), and the idle producer is closed about 2 s after
     * the last POST. On the code before, each POST created and closed its own: no publisher after the first.
     */
    @Test
    public void fa_aPostHandsItsProducerToTheNext() throws Exception {
        String topic = uniqueTopic("postreuse");
        String stats = "/admin/v2/persistent/public/default/" + topic + "/stats";
        assertEquals(
                "ok",
                Json.object(post(httpPath("producer", topic), "{\"payload\":\"" + b64("a") + "\"}", Map.of())
                                .body())
                        .get("result"));
        List<String> first = publishers(stats);
        assertEquals("the first POST's producer is kept for the next", 1, first.size());
        assertEquals(
                "ok",
                Json.object(post(httpPath("producer", topic), "{\"payload\":\"" + b64("b") + "\"}", Map.of())
                                .body())
                        .get("result"));
        assertEquals("the second POST took it", first, publishers(stats));
        long start = System.nanoTime();
        await("the idle producer closed", TIMEOUT, () -> {
            try {
                return publishers(stats).isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue("closed after its linger time (2 s), here " + millis + " ms", millis >= 1000);
    }

    /** @return the names of the producers the broker's stats of a topic list */
    @SuppressWarnings("unchecked")
    private static List<String> publishers(String stats) throws Exception {
        HttpResponse<String> r = admin("GET", stats);
        assertEquals(r.body(), 200, r.statusCode());
        List<String> names = new java.util.ArrayList<>();
        for (Object p : (List<Object>) Json.object(r.body()).get("publishers")) {
            names.add(String.valueOf(((Map<String, Object>) p).get("producerName")));
        }
        return names;
    }

    /**
     * Issue 26: one trace from the client to a Java consumer. A WebSocket producer's handshake carries a W3C
     * {@code traceparent} and {@code tracestate}; one frame carries a {@code traceparent} property of its own, one
     * none; a POST carries the header. Pulsar's Java client reads each message's {@code traceparent}: the client's
     * trace id, the client's flags, and a span id that is the gateway's, not the client's; {@code tracestate} passed
     * on. A message sent without any trace context has no such property. On the code before, the header was
     * ignored (no property) and the frame's property arrived unchanged (the client's span id).
     */
    @Test
    public void k_traceContextContinuesThroughTheGateway() throws Exception {
        String topic = uniqueTopic("trace");
        String header = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        String own = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        try (PulsarClient client = client();
                Consumer<byte[]> consumer = client.newConsumer()
                        .topic("persistent://public/default/" + topic)
                        .subscriptionName("traced")
                        .subscribe()) {
            try (WsClient p = WsClient.open(
                    gateway() + path("producer", topic),
                    Map.of("traceparent", header, "tracestate", "congo=t61rcWkgMzE"))) {
                p.send("{\"payload\":\"" + b64("from-header") + "\"}");
                assertTrue(p.next(TIMEOUT).contains("\"ok\""));
                p.send("{\"payload\":\"" + b64("own") + "\",\"properties\":{\"traceparent\":\"" + own + "\"}}");
                assertTrue(p.next(TIMEOUT).contains("\"ok\""));
            }
            try (WsClient p = WsClient.open(gateway() + path("producer", topic))) {
                p.send("{\"payload\":\"" + b64("untraced") + "\"}");
                assertTrue(p.next(TIMEOUT).contains("\"ok\""));
            }
            HttpResponse<String> posted = post(
                    httpPath("producer", topic),
                    "{\"payload\":\"" + b64("posted") + "\"}",
                    Map.of("traceparent", header));
            assertEquals(posted.body(), 200, posted.statusCode());
            Map<String, Map<String, String>> seen = new java.util.HashMap<>();
            for (int i = 0; i < 4; i++) {
                Message<byte[]> m = consumer.receive(30, java.util.concurrent.TimeUnit.SECONDS);
                assertNotNull("message " + i, m);
                seen.put(new String(m.getValue(), StandardCharsets.UTF_8), m.getProperties());
                consumer.acknowledge(m);
            }
            String fromHeader = seen.get("from-header").get("traceparent");
            assertEquals(
                    "the client's trace, the gateway's span (" + fromHeader + ")",
                    List.of("00", "0af7651916cd43dd8448eb211c80319c", "01"),
                    List.of(fromHeader.substring(0, 2), fromHeader.substring(3, 35), fromHeader.substring(53)));
            assertTrue(fromHeader, fromHeader.substring(36, 52).matches("[0-9a-f]{16}"));
            assertFalse("not the client's span id", fromHeader.contains("b7ad6b7169203331"));
            assertEquals("congo=t61rcWkgMzE", seen.get("from-header").get("tracestate"));
            String fromFrame = seen.get("own").get("traceparent");
            assertEquals(own.substring(0, 36), fromFrame.substring(0, 36));
            assertFalse(fromFrame.contains("00f067aa0ba902b7"));
            assertEquals(Map.of(), seen.get("untraced"));
            String fromPost = seen.get("posted").get("traceparent");
            assertEquals(header.substring(0, 36), fromPost.substring(0, 36));
            assertFalse(fromPost.contains("b7ad6b7169203331"));
        }
    }

    /** The edge: Origin, preflight, methods, body bounds, malformed bodies; refusals counted like handshakes. */
    @Test
    public void g_edgeRulesApplyToHttp() throws Exception {
        String topic = uniqueTopic("httpedge");
        String refused403 = "pulsarws_handshakes_refused_total{status=\"403\"} ";
        double refusedBefore = Math.max(0, metric(refused403));
        HttpResponse<String> foreign =
                post(httpPath("producer", topic), "{\"payload\":\"\"}", Map.of("Origin", "https://evil.example"));
        assertEquals(403, foreign.statusCode());
        assertEquals("Origin not allowed", foreign.body().trim());
        assertEquals("counted as a refused handshake", 1.0, metric(refused403) - refusedBefore, 0);
        HttpResponse<String> get = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(httpPath("producer", topic)))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        HttpResponse<String> notJson = post(httpPath("producer", topic), "[{\"payload\":\"\"}, 42]", Map.of());
        assertEquals(400, notJson.statusCode());
        assertEquals(
                "every element of the array must be a frame (a JSON object)",
                notJson.body().trim());
        // A declared length over the bound is refused before a byte of the body is read: the client asks first
        // (Expect: 100-continue, as curl does for large bodies) and gets 413 instead of 100. Without asking, it may
        // still be writing when the refused connection closes, and then sees a broken pipe instead of the answer
        // (Jetty 12 does not linger); the JDK's HttpClient hangs on a final answer to Expect, hence a plain socket.
        try (java.net.Socket raw = new java.net.Socket("127.0.0.1", Integer.getInteger("itest.http.port"))) {
            raw.setSoTimeout((int) TIMEOUT.toMillis());
            raw.getOutputStream()
                    .write(("POST /http/v2/producer/persistent/public/default/" + topic + " HTTP/1.1\r\n"
                                    + "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: 2097152\r\nExpect: 100-continue\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(
                            new java.io.InputStreamReader(raw.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertTrue(status, status != null && status.startsWith("HTTP/1.1 413"));
        }
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= 1000; i++) {
            many.append(i == 0 ? "" : ",").append("{}");
        }
        HttpResponse<String> tooMany =
                post(httpPath("producer", topic), many.append(']').toString(), Map.of());
        assertEquals(400, tooMany.statusCode());
        assertEquals("more than 1000 frames in one request", tooMany.body().trim());
        HttpResponse<String> badPath = post(http() + "/http/v2/nothing/persistent/public/default/x", "{}", Map.of());
        assertEquals(400, badPath.statusCode());
        HttpResponse<String> options = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(httpPath("producer", topic)))
                                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                                .header("Origin", "http://127.0.0.1:" + System.getProperty("itest.http.port"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(204, options.statusCode());
        assertTrue(options.headers()
                .firstValue("Access-Control-Allow-Methods")
                .orElse("")
                .contains("POST"));
        assertEquals(
                "http://127.0.0.1:" + System.getProperty("itest.http.port"),
                options.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    }

    /**
     * A stream whose client never reads: the events queued for it stay within its budget (64 KiB here) while
     * TCP holds the rest back, and it is ended after slowClientTimeoutMillis (3 s here); its consumer is gone.
     */
    @Test
    public void h_aStreamThatIsNotReadIsHeldBackThenEnded() throws Exception {
        String topic = uniqueTopic("sseslow");
        String adminTopic = "/admin/v2/persistent/public/default/" + topic;
        configureEndpoints(
                Map.of("maxQueuedBytesPerSession", 65_536, "slowClientTimeoutMillis", 3_000L),
                "outbound budget 65536 bytes per session",
                "slow client timeout 3000 ms");
        try (java.net.Socket raw = new java.net.Socket()) {
            raw.setReceiveBufferSize(4096);
            raw.connect(new java.net.InetSocketAddress("127.0.0.1", Integer.getInteger("itest.http.port")));
            raw.getOutputStream()
                    .write(("GET /http/v2/consumer/persistent/public/default/" + topic + "/sub HTTP/1.1\r\n"
                                    + "Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            // the headers and the session event, then nothing more is read
            java.io.InputStream in = raw.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().contains("event: session")
                    || !head.toString().endsWith("\n\n")) {
                int c = in.read();
                assertTrue("the stream's first event", c >= 0);
                head.append((char) c);
            }
            String session = (String) Json.object(head.substring(head.indexOf("data: ") + 6, head.lastIndexOf("}") + 1))
                    .get("session");
            await("the stream's consumer", TIMEOUT, () -> subscription(adminTopic, "sub") != null);
            double before = metric("pulsarws_outbound_queued_bytes ");
            double endedBefore = metric("pulsarws_slow_clients_ended_total ");
            String payload = b64("x".repeat(8_000));
            long max = 0;
            String commands = httpPath("consumer", topic) + "/sub?session=" + session;
            String permit = "{\"type\":\"permit\",\"permitMessages\":1}";
            HttpResponse<String> held = null;
            try (WsClient p = WsClient.open(gateway() + path("producer", topic))) {
                for (int i = 0; i < 400; i++) {
                    p.send("{\"payload\":\"" + payload + "\"}");
                    assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
                    max = Math.max(max, (long) (metric("pulsarws_outbound_queued_bytes ") - before));
                    if (held == null && max > 65_536) {
                        // over its budget (and well within the 3 s): its commands are not taken either, as a
                        // WebSocket is not read then
                        held = post(commands, permit, Map.of());
                    }
                }
            }
            // 3.2 MB produced; at most the budget plus the event that crossed it is queued
            assertTrue("queued for the stream: " + max, max <= 65_536 + 12_000);
            assertNotNull("the stream went over its budget while connected", held);
            assertEquals(held.body(), 503, held.statusCode());
            assertEquals("1", held.headers().firstValue("Retry-After").orElse(null));
            await("the stream ended and its consumer closed", TIMEOUT, () -> {
                Map<String, Object> sub = subscription(adminTopic, "sub");
                return sub != null && ((List<?>) sub.get("consumers")).isEmpty();
            });
            await("nothing queued", TIMEOUT, () -> metric("pulsarws_outbound_queued_bytes ") <= before);
            assertEquals(
                    "ended as a slow client", 1.0, metric("pulsarws_slow_clients_ended_total ") - endedBefore, 0.0);
            assertEquals(
                    "ended: no such stream any more",
                    404,
                    post(commands, permit, Map.of()).statusCode());
            record("http: a stream never read (64 KiB budget, 3 s timeout): at most " + max
                    + " bytes queued for it while 3.2 MB were produced; ended");
        } finally {
            configureEndpoints(
                    Map.of("maxQueuedBytesPerSession", 1_048_576, "slowClientTimeoutMillis", 30_000L),
                    "outbound budget 1048576 bytes per session",
                    "slow client timeout 30000 ms");
        }
    }

    /** The session limits count HTTP streams too: maxSessionsPerAddress=1 refuses a second stream with 429. */
    @Test
    public void i_sessionLimitsCountStreams() throws Exception {
        String topic = uniqueTopic("sselimit");
        configureEndpoints(Map.of("maxSessionsPerAddress", 1), "maxSessionsPerAddress=1");
        try {
            SseClient[] opened = new SseClient[1];
            // the streams of earlier tests end at their next write (a keep-alive at the latest) once their client
            // is gone: until then they hold their place, as a WebSocket does until its close
            await("a first stream", TIMEOUT, () -> {
                try {
                    SseClient c = SseClient.open(httpPath("reader", topic), Map.of());
                    if (c.status() == 200) {
                        opened[0] = c;
                        return true;
                    }
                    c.close();
                    return false;
                } catch (Exception e) {
                    return false;
                }
            });
            try (SseClient first = opened[0]) {
                assertEquals("session", first.next(TIMEOUT).event());
                try (SseClient second = SseClient.open(httpPath("reader", topic), Map.of())) {
                    assertEquals(429, second.status());
                    assertEquals("Too many sessions from this address (maxSessionsPerAddress)", second.body());
                }
                HttpResponse<String> post = post(httpPath("producer", topic), "{\"payload\":\"\"}", Map.of());
                assertEquals(429, post.statusCode());
            }
            await("the first stream's place given back", TIMEOUT, () -> {
                try {
                    return post(httpPath("producer", topic), "{\"payload\":\"\"}", Map.of())
                                    .statusCode()
                            == 200;
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            configureEndpoints(Map.of("maxSessionsPerAddress", 0), "maxSessionsPerAddress=0");
        }
    }

    /**
     * A json consumer (AUTO_CONSUME underneath) keeps the dead-letter policy working, on an Avro topic and on a
     * topic without a schema: what it gives up on reaches the dead-letter topic as the bytes stored.
     */
    @Test
    public void j_jsonConsumersDeadLetter() throws Exception {
        for (boolean avro : new boolean[] {true, false}) {
            String topic = uniqueTopic(avro ? "dlqavro" : "dlqplain");
            if (avro) {
                schema(topic, "AVRO", USER_SCHEMA);
            }
            String dlq = topic + "-dead";
            try (WsClient dead = WsClient.open(gateway() + path("consumer", dlq) + "/dsub");
                    WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/sub?subscriptionType=Shared"
                            + "&payloadFormat=json&maxRedeliverCount=1&negativeAckRedeliveryDelay=100"
                            + "&deadLetterTopic=" + dlq);
                    WsClient p = WsClient.open(gateway() + path("producer", topic) + "?payloadFormat=json")) {
                p.send("{\"payload\":{\"name\":\"poison\",\"age\":1}}");
                assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
                for (int i = 0; i < 2; i++) {
                    Map<String, Object> m = Json.object(c.next(TIMEOUT));
                    assertEquals("poison", ((Map<?, ?>) m.get("payload")).get("name"));
                    c.send("{\"type\":\"negativeAcknowledge\",\"messageId\":\"" + m.get("messageId") + "\"}");
                }
                byte[] stored = Base64.getDecoder()
                        .decode((String) Json.object(dead.next(TIMEOUT)).get("payload"));
                String text = new String(stored, StandardCharsets.UTF_8);
                assertTrue(text, avro ? text.contains("poison") && stored[0] == 12 : text.startsWith("{\"name\""));
            }
        }
    }

    /** What a browser offers (Chromium's own offer). */
    private static final Map<String, String> OFFER =
            Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");

    /**
     * Issue 26, part 3: compressed frames. Off (the default), a client's offer of permessage-deflate is declined; on,
     * it is accepted without context takeover either way, frames travel compressed both ways (RSV1 set, DEFLATE
     * blocks on the wire), npm's {@code ws} client works with it unchanged, and a message that inflates past
     * {@code maxTextFrameSize} closes its session with 1009 while the node goes on serving.
     */
    @Test
    public void l_permessageDeflateWhenAllowed() throws Exception {
        String topic = uniqueTopic("deflate");
        String producerUrl = gateway() + path("producer", topic);
        String consumerUrl = gateway() + path("consumer", topic) + "/deflate";
        try (RawWs declined = RawWs.open(producerUrl, 0, OFFER)) {
            assertNull(declined.responseHeaders.get("sec-websocket-extensions"));
        }
        configureEndpoints(Map.of("permessageDeflate", "true"), "permessage-deflate on");
        try {
            String payload = b64("a compressible payload ".repeat(200));
            try (RawWs consumer = RawWs.open(consumerUrl, 0, OFFER);
                    RawWs producer = RawWs.open(producerUrl, 0, OFFER)) {
                String answered = producer.responseHeaders.get("sec-websocket-extensions");
                assertEquals(
                        "permessage-deflate;client_no_context_takeover;server_no_context_takeover",
                        answered.replace(" ", ""));
                String frame = "{\"payload\":\"" + payload + "\",\"context\":\"deflated\"}";
                byte[] compressed = Deflate.compress(frame);
                assertTrue(compressed.length * 4 < frame.length());
                producer.sendFrame(true, 0x40 | 0x1, compressed); // RSV1: a compressed message
                RawWs.Message result = producer.nextMessage(TIMEOUT);
                assertTrue("the result frame is compressed", result.compressed());
                assertEquals(
                        "ok", Json.object(Deflate.inflate(result.payload())).get("result"));
                RawWs.Message delivered = consumer.nextMessage(TIMEOUT);
                assertTrue("the delivered frame is compressed", delivered.compressed());
                String text = Deflate.inflate(delivered.payload());
                assertTrue(delivered.payload().length * 4 < text.length());
                assertEquals(payload, Json.object(text).get("payload"));
            }

            // a connection keeps no compressor between messages: 40 that each sent a compressed message and were
            // answered compressed leave at most a few Deflaters more on the heap (Jetty 12.1.14 kept one each)
            long deflatersBefore = liveInstances("java.util.zip.Deflater");
            List<RawWs> held = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    RawWs ws = RawWs.open(producerUrl, 0, OFFER);
                    held.add(ws);
                    ws.sendFrame(true, 0x40 | 0x1, Deflate.compress("{\"payload\":\"" + payload + "\"}"));
                    assertEquals(
                            "ok",
                            Json.object(Deflate.inflate(ws.nextMessage(TIMEOUT).payload()))
                                    .get("result"));
                }
                long kept = liveInstances("java.util.zip.Deflater") - deflatersBefore;
                assertTrue("Deflaters kept by 40 idle compressed connections: " + kept, kept < 10);
            } finally {
                held.forEach(RawWs::close);
            }

            // npm's ws client offers permessage-deflate by default and works with it as it is
            String fromWs = runNode(
                    "const WebSocket = require('ws');\n"
                            + "const [producerUrl, consumerUrl, payload] = process.argv.slice(2);\n"
                            + "const out = {};\n"
                            + "setTimeout(() => { out.failure = 'timed out'; console.log(JSON.stringify(out));"
                            + " process.exit(1); }, 20000);\n"
                            + "const consumer = new WebSocket(consumerUrl);\n"
                            + "consumer.on('open', () => {\n"
                            + "  const producer = new WebSocket(producerUrl);\n"
                            + "  const done = () => { if (out.result && out.delivered) {"
                            + " console.log(JSON.stringify(out)); process.exit(0); } };\n"
                            + "  producer.on('open', () => { out.extensions = producer.extensions;"
                            + " producer.send(JSON.stringify({ payload, context: 'ws' })); });\n"
                            + "  producer.on('message', (d) => { out.result = JSON.parse(String(d)).result; done(); });\n"
                            + "  consumer.on('message', (d) => { out.delivered = JSON.parse(String(d)).payload;"
                            + " out.consumerExtensions = consumer.extensions; done(); });\n"
                            + "});\n",
                    producerUrl,
                    consumerUrl,
                    payload);
            Map<String, Object> ws = Json.object(fromWs);
            assertEquals(fromWs, "permessage-deflate", ws.get("extensions"));
            assertEquals(fromWs, "permessage-deflate", ws.get("consumerExtensions"));
            assertEquals(fromWs, "ok", ws.get("result"));
            assertEquals(fromWs, payload, ws.get("delivered"));

            // 2 MiB of text in a few KiB: inflated in pieces, refused at maxTextFrameSize (1 MiB), nothing held
            try (RawWs bomb = RawWs.open(producerUrl, 0, OFFER)) {
                byte[] small = Deflate.compress("{\"payload\":\"" + "A".repeat(2 << 20) + "\"}");
                assertTrue(small.length < 16 * 1024);
                bomb.sendFrame(true, 0x40 | 0x1, small);
                String close = bomb.awaitClose(TIMEOUT);
                assertTrue(close, close.startsWith("1009"));
            }
            try (WsClient again = WsClient.open(producerUrl)) {
                again.send("{\"payload\":\"" + b64("after") + "\"}");
                assertEquals("ok", Json.object(again.next(TIMEOUT)).get("result"));
            }
        } finally {
            configureEndpoints(Map.of("permessageDeflate", "false"), "permessage-deflate off");
        }
        try (RawWs declined = RawWs.open(producerUrl, 0, OFFER)) {
            assertNull(declined.responseHeaders.get("sec-websocket-extensions"));
        }
    }

    /** @return how many instances of a class the heap holds after a full GC (this JVM's class histogram) */
    private static long liveInstances(String className) throws Exception {
        for (String line : classHistogram().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[3].equals(className)) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
    }

    /** Runs a Node script with npm's ws (the examples' copy) and returns what it printed. */
    private static String runNode(String script, String... args) throws Exception {
        java.nio.file.Path nodeModules =
                java.nio.file.Paths.get(System.getProperty("itest.examples.dir"), "nodejs", "node_modules");
        java.nio.file.Path work =
                java.nio.file.Files.createDirectories(java.nio.file.Paths.get(System.getProperty("itest.work.dir")));
        java.nio.file.Path file = work.resolve("deflate-" + System.nanoTime() + ".js");
        java.nio.file.Files.writeString(file, script);
        List<String> cmd = new ArrayList<>(List.of("node", file.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", nodeModules.toString());
        Process p = pb.start();
        try {
            assertTrue("node ended", p.waitFor(40, TimeUnit.SECONDS));
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } finally {
            p.destroyForcibly();
        }
    }

    private void configureEndpoints(Map<String, Object> values, String... inForce) throws Exception {
        String[] fragments = new String[inForce.length + 1];
        fragments[0] = "WebSocket limits:";
        System.arraycopy(inForce, 0, fragments, 1, inForce.length);
        configure(configAdmin, "io.pulsarws.websocket", values, "the endpoints' settings in force", fragments);
    }
}
