package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.inject.Inject;
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
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Two tenants on one gateway node, in front of the broker with token authentication and authorization (the build's
 * second broker): what one authenticated client does may touch only what its session owns (issue 21). Tenant
 * {@code iso-a}'s user is the victim, tenant {@code iso-b}'s the attacker; each has produce and consume on its own
 * namespace only, and tokens signed here with the broker's key.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class TenantIsolationIT extends GatewayTestSupport {
    private static final String VICTIM = "iso-alice";
    private static final String ATTACKER = "iso-mallory";

    @Inject
    private ConfigurationAdmin configAdmin;

    @Override
    @org.ops4j.pax.exam.Configuration
    public Option[] config() throws IOException {
        Properties secure = secureBroker();
        return OptionUtils.combine(
                options(new File(System.getProperty("assembly.tar.gz")).toURI().toString(), "pulsar-websocket-tenants"),
                editConfigurationFilePut("etc/io.pulsarws.gateway.cfg", "serviceUrl", secure.getProperty("serviceUrl")),
                authorizingGateway(secure));
    }

    /** Each tenant with one namespace, its user granted produce and consume there only. Idempotent. */
    @Before
    public void tenants() throws Exception {
        for (String[] t : new String[][] {{"iso-a", VICTIM}, {"iso-b", ATTACKER}}) {
            secureAdmin("PUT", "/admin/v2/tenants/" + t[0], "{\"allowedClusters\":[\"standalone\"]}");
            secureAdmin("PUT", "/admin/v2/namespaces/" + t[0] + "/ns", "");
            secureAdmin(
                    "POST", "/admin/v2/namespaces/" + t[0] + "/ns/permissions/" + t[1], "[\"produce\",\"consume\"]");
        }
    }

    /** @return a token of the role, signed with the broker's key, expiring at {@code exp} (or never when null) */
    private static String token(String role, Instant exp) throws Exception {
        String claims = "{\"sub\":\"" + role + "\"" + (exp == null ? "" : ",\"exp\":" + exp.getEpochSecond()) + "}";
        return Jwt.sign(claims, Files.readAllBytes(Paths.get(System.getProperty("itest.secure.auth"), "secret.key")));
    }

    private static Map<String, String> as(String role) throws Exception {
        return Map.of("Authorization", "Bearer " + token(role, null));
    }

    private static String ws(String kind, String tenant, String rest) {
        return gateway() + "/ws/v2/" + kind + "/persistent/" + tenant + "/ns/" + rest;
    }

    /** @return a serialized message id with the topic appended as this gateway's v3 ids carry it (field 100) */
    private static String withTopic(String id, String topic) {
        byte[] bytes = Base64.getDecoder().decode(id);
        byte[] name = topic.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, bytes.length);
        out.write(0xA2); // (100 << 3) | 2, as a varint
        out.write(0x06);
        for (int n = name.length; ; n >>>= 7) { // the length, as a varint
            if (n < 0x80) {
                out.write(n);
                break;
            }
            out.write((n & 0x7F) | 0x80);
        }
        out.write(name, 0, name.length);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /**
     * Item 1: the attacker opens a v3 consumer of its own topic with a subscription of the victim's name, and sends
     * acks whose ids name the victim's topic, for messages 1 to 9 of a batch of 10 the victim was delivered. Each is
     * refused in-band (code 6), the attacker's session goes on, and the victim, which acks only message 0 and
     * reconnects, gets the other 9 back. On the code before, the forged acks completed the batch with the victim's
     * one ack: 0 of 9 came back.
     */
    @Test
    public void a_acksNamingAnotherTenantsTopicAreRefusedAndLoseNothing() throws Exception {
        String topic = uniqueTopic("victim");
        String full = "persistent://iso-a/ns/" + topic;
        String sub = "shared-name";
        String consumer = ws("consumer", "iso-a", topic + "/" + sub + "?subscriptionType=Shared");
        List<String> ids = new ArrayList<>();
        try (WsClient victim = WsClient.open(consumer, as(VICTIM))) {
            try (WsClient p = WsClient.open(
                    ws("producer", "iso-a", topic)
                            + "?batchingEnabled=true&batchingMaxMessages=10&batchingMaxPublishDelay=1000",
                    as(VICTIM))) {
                for (int i = 0; i < 10; i++) {
                    p.send("{\"payload\":\"" + b64("m" + i) + "\"}");
                }
                for (int i = 0; i < 10; i++) {
                    assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
                }
            }
            for (int i = 0; i < 10; i++) {
                Map<String, Object> m = Json.object(victim.next(TIMEOUT));
                assertEquals("m" + i, text(m));
                ids.add((String) m.get("messageId"));
            }
            try (WsClient attacker = WsClient.open(
                    gateway() + "/ws/v3/consumer/" + sub + "?topics=persistent://iso-b/ns/" + uniqueTopic("own"),
                    as(ATTACKER))) {
                for (int i = 1; i < 10; i++) {
                    attacker.send("{\"messageId\":\"" + withTopic(ids.get(i), full) + "\"}");
                    Map<String, Object> refused = Json.object(attacker.next(TIMEOUT));
                    assertEquals(refused.toString(), "error", refused.get("type"));
                    assertEquals(refused.toString(), 6L, refused.get("errorCode"));
                    assertEquals(refused.toString(), "ack", refused.get("command"));
                }
                attacker.send("{\"type\":\"isEndOfTopic\"}");
                assertTrue(
                        "the attacker's session goes on",
                        Json.object(attacker.next(TIMEOUT)).containsKey("endOfTopic"));
            }
            victim.send("{\"messageId\":\"" + ids.get(0) + "\"}");
        }
        // the broker knows whole entries only (batch-index acks off, its default): the entry comes back whole, m0
        // again with it, which at-least-once allows; what must not happen is that any of m1..m9 stays away
        java.util.Set<String> back = new java.util.TreeSet<>();
        try (WsClient again = WsClient.open(consumer, as(VICTIM))) {
            for (int i = 0; i < 10 && back.size() < 10; i++) {
                String f = again.poll(TIMEOUT);
                if (f == null) {
                    break;
                }
                back.add(text(Json.object(f)));
            }
        }
        assertTrue(
                "m1..m9 came back: " + back,
                back.containsAll(List.of("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9")));
    }

    /**
     * Item 3: a producer whose token expires, and which never reads the 4005 close, keeps sending a frame every
     * 50 ms. Nothing it sends from the expiry on is stored (the messages' publish times, set by the gateway's
     * Pulsar client in this JVM, all come before the expiry), and its connection is dropped within the close's 5 s
     * grace. On the code before, it went on producing until the test ended.
     */
    @Test
    public void b_anExpiredTokenActsOnNothingAndIsDropped() throws Exception {
        String topic = uniqueTopic("expiring");
        Instant exp = Instant.now().plusSeconds(4);
        long sentAfter = 0;
        Instant dropped = null;
        try (RawWs p = RawWs.open(
                ws("producer", "iso-a", topic), 0, Map.of("Authorization", "Bearer " + token(VICTIM, exp)))) {
            Instant end = exp.plusSeconds(20);
            for (int i = 0; i < 1000 && Instant.now().isBefore(end); i++) {
                Instant now = Instant.now();
                try {
                    p.sendText("{\"payload\":\"" + b64("n" + i) + "\"}");
                } catch (IOException e) {
                    dropped = now;
                    break;
                }
                if (now.isAfter(exp)) {
                    sentAfter++;
                }
                Thread.sleep(50); // the client's own pace: a frame every 50 ms
            }
        }
        assertTrue("the client sent after the expiry: " + sentAfter, sentAfter >= 10);
        assertTrue("the connection was dropped", dropped != null);
        long afterMillis = Duration.between(exp, dropped).toMillis();
        assertTrue("dropped " + afterMillis + " ms after the expiry", afterMillis <= 5_000 + 3_000);
        List<Long> publishTimes = new ArrayList<>();
        try (WsClient r = WsClient.open(ws("reader", "iso-a", topic) + "?messageId=earliest", as(VICTIM))) {
            for (String f = r.poll(Duration.ofSeconds(5)); f != null; f = r.poll(Duration.ofSeconds(2))) {
                publishTimes.add(Instant.parse((String) Json.object(f).get("publishTime"))
                        .toEpochMilli());
            }
        }
        assertTrue("some messages were stored before the expiry", !publishTimes.isEmpty());
        long late =
                publishTimes.stream().filter(t -> t > exp.toEpochMilli() + 200).count();
        assertEquals("messages stored after the expiry (of " + publishTimes.size() + ")", 0, late);
        record("tenants: expired producer: " + publishTimes.size() + " stored before the expiry, 0 after; " + sentAfter
                + " frames sent after it; dropped " + afterMillis + " ms after it");
    }

    /**
     * Item 4: with authorization on and authentication turned off (no anonymous role), a client is not served on
     * the gateway's own broker credentials: 401. On the code before, it was answered 101 and produced.
     */
    @Test
    public void c_authorizationWithoutAuthenticationFailsClosed() throws Exception {
        String url = ws("producer", "iso-a", uniqueTopic("fail-closed"));
        long mark = logMark();
        updateConfiguration(configAdmin, "io.pulsarws.security", Map.of("authenticationEnabled", false));
        try {
            awaitLogSince(mark, "authentication off", "WebSocket security: authentication=off");
            String refused = refusal(url, Map.of());
            assertTrue(refused, refused.startsWith("401 "));
        } finally {
            mark = logMark();
            updateConfiguration(configAdmin, "io.pulsarws.security", Map.of("authenticationEnabled", true));
            awaitLogSince(mark, "authentication back on", "WebSocket security: authentication=token");
        }
        WsClient.open(url, as(VICTIM)).close();
    }
}
