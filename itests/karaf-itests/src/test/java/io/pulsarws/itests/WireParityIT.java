package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.inject.Inject;
import org.apache.pulsar.client.api.ConsumerCryptoFailureAction;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.EncryptionKeyInfo;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** Endpoints, parameters and frames of Pulsar's WebSocket service beyond the API page (spec §1 to §3). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WireParityIT extends GatewayTestSupport {

    @Inject
    private BundleContext context;

    /**
     * payloadFormat (beyond Pulsar): text and json producers beside a base64 one, and consumers and a reader of
     * each format on the same topic; whatever a format cannot show comes as base64, said so.
     */
    @Test
    public void payloadFormatsTextAndJsonInteroperateWithBase64() throws Exception {
        String topic = uniqueTopic("formats");
        String consumer = gateway() + path("consumer", topic);
        try (WsClient b64 = WsClient.open(consumer + "/s-base64");
                WsClient text = WsClient.open(consumer + "/s-text?payloadFormat=text");
                WsClient json = WsClient.open(consumer + "/s-json?payloadFormat=json");
                WsClient textProducer = WsClient.open(gateway() + path("producer", topic) + "?payloadFormat=text");
                WsClient jsonProducer = WsClient.open(gateway() + path("producer", topic) + "?payloadFormat=json");
                WsClient b64Producer = WsClient.open(gateway() + path("producer", topic))) {
            textProducer.send("{\"payload\":\"h\u00e9llo \u2713\",\"context\":\"1\"}");
            assertEquals("ok", Json.object(textProducer.next(TIMEOUT)).get("result"));
            jsonProducer.send("{\"payload\": {\"a\": [1, 2]}, \"context\": \"2\"}");
            assertEquals("ok", Json.object(jsonProducer.next(TIMEOUT)).get("result"));
            b64Producer.send("{\"payload\":\"wyg=\"}"); // bytes C3 28: not UTF-8
            assertEquals("ok", Json.object(b64Producer.next(TIMEOUT)).get("result"));
            textProducer.send("{\"payload\":{\"x\":1},\"context\":\"3\"}");
            Map<String, Object> wrong = Json.object(textProducer.next(TIMEOUT));
            assertEquals("send-error:7", wrong.get("result"));
            assertEquals("payload must be a JSON string with payloadFormat=text", wrong.get("errorMsg"));

            assertEquals("h\u00e9llo \u2713", text(Json.object(b64.next(TIMEOUT))));
            assertEquals("{\"a\":[1,2]}", text(Json.object(b64.next(TIMEOUT))));
            assertEquals("wyg=", Json.object(b64.next(TIMEOUT)).get("payload"));

            Map<String, Object> t1 = Json.object(text.next(TIMEOUT));
            assertEquals("h\u00e9llo \u2713", t1.get("payload"));
            assertNull(t1.get("payloadFormat"));
            assertEquals("{\"a\":[1,2]}", Json.object(text.next(TIMEOUT)).get("payload"));
            Map<String, Object> t3 = Json.object(text.next(TIMEOUT));
            assertEquals("wyg=", t3.get("payload"));
            assertEquals("base64", t3.get("payloadFormat"));

            Map<String, Object> j1 = Json.object(json.next(TIMEOUT));
            assertEquals("not JSON: base64, said so", "base64", j1.get("payloadFormat"));
            assertEquals("h\u00e9llo \u2713", text(j1));
            assertEquals(
                    Map.of("a", List.of(1L, 2L)),
                    Json.object(json.next(TIMEOUT)).get("payload"));
            assertEquals("base64", Json.object(json.next(TIMEOUT)).get("payloadFormat"));
        }
        try (WsClient reader =
                WsClient.open(gateway() + path("reader", topic) + "?messageId=earliest&payloadFormat=json")) {
            Json.object(reader.next(TIMEOUT));
            assertEquals(
                    Map.of("a", List.of(1L, 2L)),
                    Json.object(reader.next(TIMEOUT)).get("payload"));
        }
        String refused = refusal(gateway() + path("producer", topic) + "?payloadFormat=xml", Map.of());
        assertTrue(refused, refused.startsWith("400 Invalid query params: payloadFormat must be base64, text or json"));
    }

    @Test
    public void readerStartsAtEarliestLatestOrAGivenId() throws Exception {
        String topic = uniqueTopic("reader");
        List<String> ids = produce(topic, "m0", "m1", "m2");
        try (WsClient earliest = WsClient.open(gateway() + path("reader", topic) + "?messageId=earliest")) {
            for (int i = 0; i < 3; i++) {
                Map<String, Object> m = Json.object(earliest.next(TIMEOUT));
                assertEquals(ids.get(i), m.get("messageId"));
                assertEquals("m" + i, text(m));
                earliest.send("{\"messageId\":\"" + m.get("messageId") + "\"}");
            }
            earliest.send("{\"type\":\"isEndOfTopic\"}");
            assertEquals(Map.of("endOfTopic", false), Json.object(earliest.next(TIMEOUT)));
        }
        try (WsClient fromId = WsClient.open(gateway() + path("reader", topic) + "?messageId=" + ids.get(0))) {
            assertEquals(
                    "the start id itself is excluded, as with Pulsar's reader",
                    "m1",
                    text(Json.object(fromId.next(TIMEOUT))));
            assertEquals("m2", text(Json.object(fromId.next(TIMEOUT))));
        }
        try (WsClient latest = WsClient.open(gateway() + path("reader", topic) + "?readerName=r1")) {
            assertNull(latest.poll(Duration.ofMillis(500)));
            produce(topic, "m3");
            assertEquals("m3", text(Json.object(latest.next(TIMEOUT))));
        }
        assertEquals(400, WsClient.refusedStatus(gateway() + path("reader", topic) + "?messageId=%25%25"));
        assertEquals(400, WsClient.refusedStatus(gateway() + path("reader", topic) + "?receiverQueueSize=-1"));
        String v1 = "/ws/reader/persistent/sample/standalone/ns1/" + uniqueTopic("v1reader");
        try (WsClient r = WsClient.open(gateway() + v1 + "?messageId=earliest")) {
            assertNull(r.poll(Duration.ofMillis(300)));
        }
    }

    @Test
    public void multiTopicConsumerIdsCanBeAckedFromAnotherConnection() throws Exception {
        String a = uniqueTopic("multi-a");
        String b = uniqueTopic("multi-b");
        String v3 = gateway() + "/ws/v3/consumer/sub?subscriptionType=Shared&topics=persistent://public/default/" + a
                + ",persistent://public/default/" + b;
        try (WsClient first = WsClient.open(v3)) {
            produce(a, "to-a");
            produce(b, "to-b");
            Set<String> payloads = new HashSet<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Map<String, Object> m = Json.object(first.next(TIMEOUT));
                payloads.add(text(m));
                ids.add((String) m.get("messageId"));
            }
            assertEquals(Set.of("to-a", "to-b"), payloads);
            // the first connection never acks; a second one acks its ids
            try (WsClient second = WsClient.open(v3)) {
                for (String id : ids) {
                    second.send("{\"messageId\":\"" + id + "\"}");
                }
                await(
                        "both backlogs at 0",
                        TIMEOUT,
                        () -> backlog("/admin/v2/persistent/public/default/" + a, "sub") == 0
                                && backlog("/admin/v2/persistent/public/default/" + b, "sub") == 0);
            }
        }
        String prefix = uniqueTopic("pat");
        produce(prefix + "-x", "px");
        produce(prefix + "-y", "py");
        try (WsClient pattern = WsClient.open(gateway() + "/ws/v3/consumer/s?subscriptionInitialPosition=Earliest"
                + "&topicsPattern=persistent://public/default/" + prefix + "-.*")) {
            Set<String> got = new HashSet<>();
            got.add(text(Json.object(pattern.next(TIMEOUT))));
            got.add(text(Json.object(pattern.next(TIMEOUT))));
            assertEquals(Set.of("px", "py"), got);
        }
        assertEquals(400, WsClient.refusedStatus(gateway() + "/ws/v3/consumer/s"));
        assertEquals(400, WsClient.refusedStatus(gateway() + "/ws/v3/consumer/s?topics=x&topicsPattern=y"));
        assertEquals(400, WsClient.refusedStatus(gateway() + "/ws/v3/consumer/s?topicsPattern=%5B"));
    }

    @Test
    public void partitionedTopicAcksWorkFromAnotherConnection() throws Exception {
        String topic = uniqueTopic("parted");
        HttpResponse<String> created =
                admin("PUT", "/admin/v2/persistent/public/default/" + topic + "/partitions", "3");
        assertEquals(created.body(), 204, created.statusCode());
        String consumer = gateway() + path("consumer", topic) + "/sub?subscriptionType=Shared";
        try (WsClient first = WsClient.open(consumer)) {
            try (WsClient p =
                    WsClient.open(gateway() + path("producer", topic) + "?messageRoutingMode=RoundRobinPartition")) {
                for (int i = 0; i < 6; i++) {
                    p.send("{\"payload\":\"" + b64("p" + i) + "\"}");
                    assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
                }
            }
            List<String> ids = new ArrayList<>();
            Set<String> payloads = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                Map<String, Object> m = Json.object(first.next(TIMEOUT));
                ids.add((String) m.get("messageId"));
                payloads.add(text(m));
            }
            assertEquals(6, payloads.size());
            try (WsClient second = WsClient.open(consumer)) {
                for (String id : ids) {
                    second.send("{\"messageId\":\"" + id + "\"}");
                }
                await("backlog 0 on every partition", TIMEOUT, () -> {
                    for (int i = 0; i < 3; i++) {
                        if (backlog("/admin/v2/persistent/public/default/" + topic + "-partition-" + i, "sub") != 0) {
                            return false;
                        }
                    }
                    return true;
                });
                // an id without a partition cannot belong to a partitioned topic: a valid close, not a server error
                second.send("{\"type\":\"negativeAcknowledge\",\"messageId\":\"CAEQAQ==\"}");
                assertEquals(4003, second.awaitClose(TIMEOUT));
            }
        }
    }

    @Test
    public void nonPersistentAndEncodedTopicNames() throws Exception {
        for (String encoded :
                List.of("np-" + uniqueTopic("t"), "a%2Fb-" + uniqueTopic("t"), "%C3%BC-" + uniqueTopic("t"))) {
            String domain = encoded.startsWith("np-") ? "non-persistent" : "persistent";
            String tail = "/" + domain + "/public/default/" + encoded;
            try (WsClient c = WsClient.open(gateway() + "/ws/v2/consumer" + tail + "/sub");
                    WsClient p = WsClient.open(gateway() + "/ws/v2/producer" + tail)) {
                p.send("{\"payload\":\"" + b64(encoded) + "\"}");
                assertEquals(encoded, "ok", Json.object(p.next(TIMEOUT)).get("result"));
                assertEquals(encoded, text(Json.object(c.next(TIMEOUT))));
            }
        }
        // a producer topic may also span segments: a/b written with a real slash is the same topic as a%2Fb
        String name = uniqueTopic("seg");
        produce("a/" + name, "spans segments");
        try (WsClient r = WsClient.open(gateway() + path("reader", "a%2F" + name) + "?messageId=earliest")) {
            assertEquals("spans segments", text(Json.object(r.next(TIMEOUT))));
        }
    }

    @Test
    public void pullModeDeliversExactlyThePermits() throws Exception {
        String topic = uniqueTopic("pull");
        produceAfterSubscribing(topic, 5);
        try (WsClient c =
                WsClient.open(gateway() + path("consumer", topic) + "/sub?pullMode=true&consumerName=puller")) {
            assertNull("no permits, no messages", c.poll(Duration.ofMillis(500)));
            Map<String, Object> stats =
                    Json.object(admin("GET", "/admin/v2/persistent/public/default/" + topic + "/stats")
                            .body());
            @SuppressWarnings("unchecked")
            Map<String, Object> sub =
                    (Map<String, Object>) ((Map<String, Object>) stats.get("subscriptions")).get("sub");
            assertEquals(
                    "consumerName reaches the broker",
                    "puller",
                    ((Map<?, ?>) ((List<?>) sub.get("consumers")).get(0)).get("consumerName"));
            c.send("{\"type\":\"permit\",\"permitMessages\":2}");
            List<String> ids = new ArrayList<>();
            ids.add((String) Json.object(c.next(TIMEOUT)).get("messageId"));
            ids.add((String) Json.object(c.next(TIMEOUT)).get("messageId"));
            for (String id : ids) {
                c.send("{\"messageId\":\"" + id + "\"}");
            }
            assertNull("acks give no credit in pull mode", c.poll(Duration.ofMillis(500)));
            c.send("{\"type\":\"permit\",\"permitMessages\":10}");
            for (int i = 0; i < 3; i++) {
                assertNotNull(c.next(TIMEOUT));
            }
            assertNull(c.poll(Duration.ofMillis(300)));
        }
    }

    @Test
    public void delayedDeliveryAndEventTime() throws Exception {
        String topic = uniqueTopic("delay");
        try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/sub?subscriptionType=Shared");
                WsClient p = WsClient.open(gateway() + path("producer", topic))) {
            long sent = System.currentTimeMillis();
            p.send("{\"payload\":\"" + b64("later") + "\",\"deliverAfterMs\":2000,"
                    + "\"eventTime\":\"2026-01-02T03:04:05.678Z\",\"sequenceId\":5}");
            assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            Map<String, Object> m = Json.object(c.next(TIMEOUT));
            assertTrue("delivered after the delay", System.currentTimeMillis() - sent >= 1900);
            assertEquals("later", text(m));
            assertEquals("2026-01-02T03:04:05.678Z", m.get("eventTime"));
        }
    }

    @Test
    public void endOfTopicAfterTermination() throws Exception {
        String topic = uniqueTopic("eot");
        try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/sub")) {
            produce(topic, "last");
            Map<String, Object> m = Json.object(c.next(TIMEOUT));
            c.send("{\"messageId\":\"" + m.get("messageId") + "\"}");
            assertEquals(
                    200,
                    admin("POST", "/admin/v2/persistent/public/default/" + topic + "/terminate")
                            .statusCode());
            await("end of topic", TIMEOUT, () -> {
                try {
                    c.send("{\"type\":\"isEndOfTopic\"}");
                    return Boolean.TRUE.equals(Json.object(c.next(TIMEOUT)).get("endOfTopic"));
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    /** ProxyPublishConsumeTest.socketTest: two Failover consumers and a reader see the producer's ids in order. */
    @Test
    public void failoverConsumersAndAReaderSeeTheProducersIdsInOrder() throws Exception {
        String topic = uniqueTopic("socket");
        String failover = gateway() + path("consumer", topic) + "/sub?subscriptionType=Failover";
        try (WsClient c1 = WsClient.open(failover);
                WsClient c2 = WsClient.open(failover);
                WsClient reader = WsClient.open(gateway() + path("reader", topic))) {
            String[] payloads = new String[10];
            for (int i = 0; i < payloads.length; i++) {
                payloads[i] = "f" + i;
            }
            List<String> ids = produce(topic, payloads);
            WsClient active = null;
            for (int i = 0; i < ids.size(); i++) {
                Map<String, Object> r = Json.object(reader.next(TIMEOUT));
                assertEquals(ids.get(i), r.get("messageId"));
                reader.send("{\"messageId\":\"" + r.get("messageId") + "\"}");
                if (active == null) {
                    String f1 = c1.poll(Duration.ofSeconds(5));
                    active = f1 != null ? c1 : c2;
                    Map<String, Object> m = Json.object(f1 != null ? f1 : c2.next(TIMEOUT));
                    assertEquals(ids.get(i), m.get("messageId"));
                    active.send("{\"messageId\":\"" + m.get("messageId") + "\"}");
                } else {
                    Map<String, Object> m = Json.object(active.next(TIMEOUT));
                    assertEquals(ids.get(i), m.get("messageId"));
                    assertEquals(payloads[i], text(m));
                    active.send("{\"messageId\":\"" + m.get("messageId") + "\"}");
                }
            }
            WsClient standby = active == c1 ? c2 : c1;
            assertNull("the standby consumer gets nothing", standby.poll(Duration.ofMillis(500)));
        }
    }

    /** ProxyPublishConsumeTest.producerBacklogQuotaExceededTest: a producer over the backlog quota is refused. */
    /**
     * A refusal the mapping does not name (here the broker's NotAllowed, for a subscription type its namespace
     * policy disables) is 500, as in Pulsar's service, with the broker's one-line reason and no stack trace.
     */
    @Test
    public void anUnmappedBrokerRefusalIs500WithItsReasonOnly() throws Exception {
        String ns = "public/" + uniqueTopic("types");
        assertEquals(204, admin("PUT", "/admin/v2/namespaces/" + ns, "").statusCode());
        HttpResponse<String> types =
                admin("POST", "/admin/v2/namespaces/" + ns + "/subscriptionTypesEnabled", "[\"Exclusive\"]");
        assertEquals(types.body(), 204, types.statusCode());
        String consumer = gateway() + "/ws/v2/consumer/persistent/" + ns + "/t/sub";
        await("the namespace policy in force", TIMEOUT, () -> {
            try {
                return refusal(consumer + "?subscriptionType=Shared", java.util.Map.of())
                        .startsWith("500 ");
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
        String refused = refusal(consumer + "?subscriptionType=Shared", java.util.Map.of());
        assertTrue(
                refused,
                refused.startsWith("500 Failed to create producer/consumer: ")
                        && refused.contains("Shared")
                        && !refused.contains("\tat ")
                        && !refused.contains("Exception"));
        WsClient.open(consumer).close(); // Exclusive stays allowed
    }

    /**
     * A producer over the backlog quota is refused. The broker refuses it at once, but the Pulsar 4.0 client
     * treats that refusal as retriable and retries until the operation timeout (30 s), so the answer is 504, not
     * Pulsar's documented 503. Measured with both {@code producer_exception} and {@code producer_request_hold}; the
     * test keeps one, since each costs the full timeout.
     */
    @Test
    public void producerOverTheBacklogQuotaIsRefused() throws Exception {
        assertEquals(504, quotaRefusal("producer_exception"));
    }

    private static int quotaRefusal(String policy) throws Exception {
        String producer = gateway() + "/ws/v2/producer/" + topicOverBacklogQuota(policy);
        // the broker checks quotas every 2 s: a handshake before the first check is still accepted, so retry
        int[] status = new int[1];
        await("a producer handshake refused (" + policy + ")", Duration.ofSeconds(90), () -> {
            try {
                status[0] = WsClient.refusedStatus(producer, Duration.ofSeconds(45));
                return true;
            } catch (Exception | AssertionError accepted) {
                return false;
            }
        });
        return status[0];
    }

    /**
     * Messages a Java producer encrypted, read through a gateway that has no keys: with
     * {@code cryptoFailureAction=CONSUME} they come as ciphertext with their {@code encryptionContext}, so that the
     * client can decrypt; with the default FAIL they are not delivered.
     */
    @Test
    public void encryptedMessagesPassThroughWithCryptoFailureActionConsume() throws Exception {
        String topic = uniqueTopic("encrypted");
        byte[] pem = pem("PUBLIC KEY", rsaKeyPair().getPublic().getEncoded());
        CryptoKeyReader keys = new CryptoKeyReader() {
            @Override
            public EncryptionKeyInfo getPublicKey(String keyName, Map<String, String> metadata) {
                return new EncryptionKeyInfo(pem, Map.of("owner", "itest"));
            }

            @Override
            public EncryptionKeyInfo getPrivateKey(String keyName, Map<String, String> metadata) {
                return null;
            }
        };
        try (WsClient failing = WsClient.open(gateway() + path("consumer", topic) + "/fail");
                WsClient consuming =
                        WsClient.open(gateway() + path("consumer", topic) + "/consume?cryptoFailureAction=CONSUME")) {
            try (PulsarClient client = PulsarClient.builder()
                            .serviceUrl(System.getProperty("itest.broker.serviceUrl"))
                            .build();
                    Producer<byte[]> producer = client.newProducer()
                            .topic("persistent://public/default/" + topic)
                            .addEncryptionKey("itest-rsa.pem")
                            .cryptoKeyReader(keys)
                            .create()) {
                producer.send("secret".getBytes(StandardCharsets.UTF_8));
            }
            Map<String, Object> m = Json.object(consuming.next(TIMEOUT));
            assertTrue("ciphertext, not the plain text", !"secret".equals(text(m)));
            @SuppressWarnings("unchecked")
            Map<String, Object> ctx = (Map<String, Object>) m.get("encryptionContext");
            assertNotNull(m.toString(), ctx);
            @SuppressWarnings("unchecked")
            Map<String, Object> key =
                    (Map<String, Object>) ((Map<String, Object>) ctx.get("keys")).get("itest-rsa.pem");
            assertNotNull(ctx.toString(), key);
            assertTrue(((String) key.get("keyValue")).length() > 100);
            assertEquals(Map.of("owner", "itest"), key.get("metadata"));
            assertNotNull(ctx.get("param"));
            assertEquals("NONE", ctx.get("compressionType"));
            assertNull("FAIL (the default) delivers nothing it cannot decrypt", failing.poll(Duration.ofSeconds(1)));
        }
        assertEquals(400, WsClient.refusedStatus(gateway() + path("consumer", topic) + "/x?cryptoFailureAction=Bogus"));
    }

    /**
     * Client-side end-to-end encryption (PIP-290): the WebSocket client encrypts with its own keys, the gateway
     * publishes the ciphertext unchanged with the keys and IV in the metadata, and a plain Pulsar Java consumer
     * holding the private key decrypts it.
     */
    @Test
    public void clientSideEncryptedMessagesDecryptWithTheClientsKey() throws Exception {
        String topic = uniqueTopic("e2e");
        KeyPair pair = rsaKeyPair();
        KeyGenerator aes = KeyGenerator.getInstance("AES");
        aes.init(256);
        SecretKey dataKey = aes.generateKey();
        Cipher wrap = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        wrap.init(Cipher.ENCRYPT_MODE, pair.getPublic());
        byte[] wrappedKey = wrap.doFinal(dataKey.getEncoded());
        byte[] iv = new byte[12];
        new SecureRandom().nextBytes(iv);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, dataKey, new GCMParameterSpec(128, iv));
        byte[] ciphertext = gcm.doFinal("secret e2e".getBytes(StandardCharsets.UTF_8));
        // a second message compressed by the client (ZLIB, as Pulsar's codec reads it) before it was encrypted
        byte[] plain = "compressed secret, compressed secret, compressed secret".getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater();
        deflater.setInput(plain);
        deflater.finish();
        byte[] buffer = new byte[256];
        byte[] compressed = Arrays.copyOf(buffer, deflater.deflate(buffer));
        deflater.end();
        byte[] iv2 = new byte[12];
        new SecureRandom().nextBytes(iv2);
        gcm.init(Cipher.ENCRYPT_MODE, dataKey, new GCMParameterSpec(128, iv2));
        byte[] compressedCiphertext = gcm.doFinal(compressed);
        String keys = Base64.getEncoder()
                .encodeToString(
                        ("{\"itest-e2e\":{\"keyValue\":\"" + Base64.getEncoder().encodeToString(wrappedKey)
                                        + "\",\"metadata\":{\"who\":\"itest\"}}}")
                                .getBytes(StandardCharsets.UTF_8));
        byte[] privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
        CryptoKeyReader privateKeys = new CryptoKeyReader() {
            @Override
            public EncryptionKeyInfo getPublicKey(String keyName, Map<String, String> metadata) {
                return null;
            }

            @Override
            public EncryptionKeyInfo getPrivateKey(String keyName, Map<String, String> metadata) {
                return new EncryptionKeyInfo(privatePem, Map.of());
            }
        };
        try (PulsarClient client = PulsarClient.builder()
                        .serviceUrl(System.getProperty("itest.broker.serviceUrl"))
                        .build();
                org.apache.pulsar.client.api.Consumer<byte[]> java = client.newConsumer()
                        .topic("persistent://public/default/" + topic)
                        .subscriptionName("java")
                        .cryptoKeyReader(privateKeys)
                        .subscribe();
                WsClient raw =
                        WsClient.open(gateway() + path("consumer", topic) + "/raw?cryptoFailureAction=CONSUME")) {
            try (WsClient p = WsClient.open(gateway() + path("producer", topic) + "?encryptionKeys="
                    + URLEncoder.encode(keys, StandardCharsets.UTF_8))) {
                p.send("{\"payload\":\"" + b64("no iv") + "\",\"context\":\"bad\"}");
                Map<String, Object> refused = Json.object(p.next(TIMEOUT));
                assertEquals("send-error:7", refused.get("result"));
                p.send("{\"payload\":\"" + Base64.getEncoder().encodeToString(ciphertext) + "\",\"encryptionParam\":\""
                        + Base64.getEncoder().encodeToString(iv) + "\"}");
                assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
                p.send("{\"payload\":\"" + Base64.getEncoder().encodeToString(compressedCiphertext)
                        + "\",\"encryptionParam\":\"" + Base64.getEncoder().encodeToString(iv2)
                        + "\",\"compressionType\":\"ZLIB\",\"uncompressedMessageSize\":" + plain.length + "}");
                assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            }
            Message<byte[]> decrypted = java.receive(30, TimeUnit.SECONDS);
            assertNotNull("the Java consumer received it", decrypted);
            assertEquals("secret e2e", new String(decrypted.getValue(), StandardCharsets.UTF_8));
            assertTrue(
                    "reserved properties do not leak", decrypted.getProperties().isEmpty());
            Message<byte[]> inflated = java.receive(30, TimeUnit.SECONDS);
            assertNotNull("the Java consumer received the compressed one", inflated);
            assertEquals(
                    "decrypted, then decompressed by the consumer",
                    new String(plain, StandardCharsets.UTF_8),
                    new String(inflated.getValue(), StandardCharsets.UTF_8));
            Map<String, Object> m = Json.object(raw.next(TIMEOUT));
            assertEquals(Base64.getEncoder().encodeToString(ciphertext), m.get("payload"));
            @SuppressWarnings("unchecked")
            Map<String, Object> ctx = (Map<String, Object>) m.get("encryptionContext");
            assertEquals(Base64.getEncoder().encodeToString(iv), ctx.get("param"));
            assertEquals(
                    Map.of(
                            "keyValue",
                            Base64.getEncoder().encodeToString(wrappedKey),
                            "metadata",
                            Map.of("who", "itest")),
                    ((Map<?, ?>) ctx.get("keys")).get("itest-e2e"));
        }
        assertEquals(400, WsClient.refusedStatus(gateway() + path("producer", topic) + "?encryptionKeys=server-key-1"));
    }

    /**
     * Server-side encryption: with a {@link CryptoKeyReader} service registered, a producer naming a key encrypts
     * and the gateway's consumers decrypt; without one, naming a key is a 400.
     */
    @Test
    public void serverSideEncryptionWithARegisteredKeyReader() throws Exception {
        String topic = uniqueTopic("server-enc");
        String producer = gateway() + path("producer", topic) + "?encryptionKeys=ops-key";
        assertEquals(400, WsClient.refusedStatus(producer));
        KeyPair pair = rsaKeyPair();
        byte[] publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
        byte[] privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
        CryptoKeyReader reader = new CryptoKeyReader() {
            @Override
            public EncryptionKeyInfo getPublicKey(String keyName, Map<String, String> metadata) {
                return "ops-key".equals(keyName) ? new EncryptionKeyInfo(publicPem, Map.of()) : null;
            }

            @Override
            public EncryptionKeyInfo getPrivateKey(String keyName, Map<String, String> metadata) {
                return "ops-key".equals(keyName) ? new EncryptionKeyInfo(privatePem, Map.of()) : null;
            }
        };
        ServiceRegistration<CryptoKeyReader> registration =
                context.registerService(CryptoKeyReader.class, reader, null);
        try (PulsarClient client = PulsarClient.builder()
                        .serviceUrl(System.getProperty("itest.broker.serviceUrl"))
                        .build();
                org.apache.pulsar.client.api.Consumer<byte[]> raw = client.newConsumer()
                        .topic("persistent://public/default/" + topic)
                        .subscriptionName("raw")
                        .cryptoFailureAction(ConsumerCryptoFailureAction.CONSUME)
                        .subscribe();
                WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/sub")) {
            await("the producer handshake accepted once the key reader is there", TIMEOUT, () -> {
                try (WsClient p = WsClient.open(producer)) {
                    p.send("{\"payload\":\"" + b64("secret server") + "\"}");
                    return "ok".equals(Json.object(p.next(TIMEOUT)).get("result"));
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            assertEquals("decrypted by the gateway's consumer", "secret server", text(Json.object(c.next(TIMEOUT))));
            Message<byte[]> stored = raw.receive(30, TimeUnit.SECONDS);
            assertNotNull(stored);
            assertTrue("stored encrypted", stored.getEncryptionCtx().isPresent());
            assertTrue(!"secret server".equals(new String(stored.getData(), StandardCharsets.UTF_8)));
        } finally {
            registration.unregister();
        }
    }

    private static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        return rsa.generateKeyPair();
    }

    private static byte[] pem(String type, byte[] der) {
        return ("-----BEGIN " + type + "-----\n"
                        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type
                        + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The stand-alone proxy's stats endpoints: live counts per producer, consumer and (unlike Pulsar) reader. */
    @Test
    public void proxyStatsCountProducersConsumersAndReaders() throws Exception {
        String topic = uniqueTopic("stats");
        String http = "http://127.0.0.1:" + System.getProperty("itest.http.port");
        try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/sub?subscriptionType=Shared");
                WsClient r = WsClient.open(gateway() + path("reader", topic));
                WsClient p = WsClient.open(gateway() + path("producer", topic))) {
            for (int i = 0; i < 3; i++) {
                p.send("{\"payload\":\"" + b64("s" + i) + "\"}");
                assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
                c.next(TIMEOUT);
                r.next(TIMEOUT);
            }
            Map<String, Object> stats =
                    Json.object(get(http + "/admin/v2/proxy-stats/persistent/public/default/" + topic + "/stats", 200));
            List<?> producers = (List<?>) stats.get("producerStats");
            assertEquals(1, producers.size());
            assertEquals(3L, ((Map<?, ?>) producers.get(0)).get("numberOfMsgPublished"));
            assertTrue(((String) ((Map<?, ?>) producers.get(0)).get("remoteConnection")).startsWith("/127.0.0.1:"));
            List<?> consumers = (List<?>) stats.get("consumerStats");
            assertEquals(stats.toString(), 2, consumers.size());
            Map<?, ?> consumer = consumers.stream()
                    .map(Map.class::cast)
                    .filter(m -> "sub".equals(m.get("subscriptionName")))
                    .findFirst()
                    .orElseThrow();
            assertEquals("Shared", consumer.get("subscriptionType"));
            assertEquals("Durable", consumer.get("subscriptionMode"));
            assertEquals(3L, consumer.get("numberOfMsgDelivered"));
            Map<?, ?> reader = consumers.stream()
                    .map(Map.class::cast)
                    .filter(m -> !m.containsKey("subscriptionName"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(3L, reader.get("numberOfMsgDelivered"));
            assertTrue(Json.object(get(http + "/admin/v2/proxy-stats/stats", 200))
                    .containsKey("persistent://public/default/" + topic));
        }
        String v1 = uniqueTopic("v1stats");
        try (WsClient p = WsClient.open(gateway() + "/ws/producer/persistent/sample/standalone/ns1/" + v1)) {
            assertEquals(
                    List.of(),
                    Json.object(get(http + "/admin/proxy-stats/sample/standalone/ns1/" + v1 + "/stats", 200))
                            .get("consumerStats"));
        }
        get(http + "/admin/v2/proxy-stats/persistent/public/default/nobody-here/stats", 404);
        assertEquals("OK", get(http + "/status.html", 200).trim());
    }

    private static String get(String url, int expectedStatus) throws Exception {
        HttpResponse<String> r = httpGet(url);
        assertEquals(url + ": " + r.body(), expectedStatus, r.statusCode());
        return r.body();
    }

    private static void produceAfterSubscribing(String topic, int n) throws Exception {
        try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/sub?pullMode=true")) {
            // subscribed, no permits: nothing is delivered
        }
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            payloads[i] = "n" + i;
        }
        produce(topic, payloads);
    }
}
