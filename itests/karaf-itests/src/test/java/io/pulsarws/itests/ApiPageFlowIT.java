package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The API page's producer and consumer examples, frame by frame, through the gateway in Karaf to a real broker,
 * for the v1 paths of the page and the v2 paths; then every error the foundation promises.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ApiPageFlowIT extends GatewayTestSupport {

    @Test
    public void apiPageFlowOnV1Paths() throws Exception {
        String topic = uniqueTopic("my-topic");
        flow(
                "/ws/producer/persistent/sample/standalone/ns1/" + topic,
                "/ws/consumer/persistent/sample/standalone/ns1/" + topic + "/my-sub",
                "/admin/persistent/sample/standalone/ns1/" + topic);
    }

    @Test
    public void apiPageFlowOnV2Paths() throws Exception {
        String topic = uniqueTopic("v2-topic");
        flow(
                "/ws/v2/producer/persistent/public/default/" + topic,
                "/ws/v2/consumer/persistent/public/default/" + topic + "/my-sub",
                "/admin/v2/persistent/public/default/" + topic);
    }

    /**
     * Subscribe, produce with properties, context and key, receive the same message with the same id, ack;
     * a new consumer on the subscription gets only what was not acked, and gets an unacked message again.
     */
    private void flow(String producerPath, String consumerPath, String adminTopic) throws Exception {
        try (WsClient first = WsClient.open(gateway() + consumerPath)) {
            String id;
            try (WsClient producer = WsClient.open(gateway() + producerPath)) {
                // the Python example's frame, context as a JSON number included
                producer.send("{\"payload\":\"" + b64("Hello World") + "\",\"properties\":{\"key1\":\"value1\","
                        + "\"key2\":\"value2\"},\"context\":5,\"key\":\"my-key\"}");
                Map<String, Object> result = Json.object(producer.next(TIMEOUT));
                assertEquals("ok", result.get("result"));
                assertEquals("5", result.get("context"));
                assertEquals(0L, result.get("errorCode"));
                id = (String) result.get("messageId");
                assertNotNull(id);
                producer.send("{\"payload\":\"" + b64("second") + "\",\"context\":\"2\"}");
                assertEquals("ok", Json.object(producer.next(TIMEOUT)).get("result"));
            }
            Map<String, Object> m = Json.object(first.next(TIMEOUT));
            assertEquals(id, m.get("messageId"));
            assertEquals("Hello World", text((String) m.get("payload")));
            assertEquals(Map.of("key1", "value1", "key2", "value2"), m.get("properties"));
            assertEquals("my-key", m.get("key"));
            assertEquals(0L, m.get("redeliveryCount"));
            assertTrue((String) m.get("publishTime"), ((String) m.get("publishTime")).endsWith("Z"));
            first.send("{\"messageId\":\"" + id + "\"}");
            Map<String, Object> second = Json.object(first.next(TIMEOUT));
            assertEquals("second", text((String) second.get("payload")));
            assertFalse(second.containsKey("key"));
            // "second" is deliberately not acked
        }
        // the ack reached the broker: one message (the unacked one) is left in the backlog
        await("backlog of 1", TIMEOUT, () -> backlog(adminTopic, "my-sub") == 1);
        try (WsClient again = WsClient.open(gateway() + consumerPath)) {
            Map<String, Object> m = Json.object(again.next(TIMEOUT));
            assertEquals("only the unacked message comes again", "second", text((String) m.get("payload")));
            again.send("{\"messageId\":\"" + m.get("messageId") + "\"}");
            assertNull("nothing else is delivered", again.poll(Duration.ofSeconds(1)));
        }
        await("backlog of 0", TIMEOUT, () -> backlog(adminTopic, "my-sub") == 0);
    }

    @Test
    public void producerBadFramesGetErrorsAndTheSocketStaysOpen() throws Exception {
        try (WsClient p =
                WsClient.open(gateway() + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("bad"))) {
            p.send("this is not json");
            Map<String, Object> r = Json.object(p.next(TIMEOUT));
            assertEquals("send-error:3", r.get("result"));
            assertFalse(r.containsKey("context"));
            assertNotNull(r.get("errorMsg"));

            p.send("{\"payload\":\"!!!not base64!!!\",\"context\":\"ctx-bad64\"}");
            r = Json.object(p.next(TIMEOUT));
            assertEquals("send-error:7", r.get("result"));
            assertEquals("ctx-bad64", r.get("context"));

            p.send("{\"context\":\"ctx-nopayload\"}");
            r = Json.object(p.next(TIMEOUT));
            assertEquals("send-error:7", r.get("result"));
            assertEquals("payload is missing", r.get("errorMsg"));

            p.send("{\"payload\":\"eA==\",\"sequenceId\":-1,\"context\":\"ctx-seq\"}");
            r = Json.object(p.next(TIMEOUT));
            assertEquals("send-error:3", r.get("result"));
            assertEquals("ctx-seq", r.get("context"));

            p.send("{\"payload\":\"" + b64("still works") + "\",\"context\":\"ctx-ok\"}");
            r = Json.object(p.next(TIMEOUT));
            assertEquals("ok", r.get("result"));
            assertEquals("ctx-ok", r.get("context"));
        }
    }

    @Test
    public void brokerFailureIsSendError8() throws Exception {
        String topic = uniqueTopic("terminated");
        try (WsClient p = WsClient.open(gateway() + "/ws/v2/producer/persistent/public/default/" + topic)) {
            p.send("{\"payload\":\"" + b64("before") + "\"}");
            assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            assertEquals(
                    200,
                    admin("POST", "/admin/v2/persistent/public/default/" + topic + "/terminate")
                            .statusCode());
            p.send("{\"payload\":\"" + b64("after") + "\",\"context\":\"late\"}");
            Map<String, Object> r = Json.object(p.next(TIMEOUT));
            assertEquals("send-error:8", r.get("result"));
            assertEquals("late", r.get("context"));
            assertNotNull(r.get("errorMsg"));
        }
    }

    @Test
    public void consumerBadFrameClosesWithAValidCode() throws Exception {
        String consumer = "/ws/v2/consumer/persistent/public/default/" + uniqueTopic("badc") + "/s";
        try (WsClient c = WsClient.open(gateway() + consumer)) {
            c.send("garbage, not json");
            assertEquals(4003, c.awaitClose(TIMEOUT));
        }
        try (WsClient c = WsClient.open(gateway() + consumer)) {
            c.send("{\"messageId\":\"%%%\"}");
            assertEquals(4003, c.awaitClose(TIMEOUT));
        }
        try (WsClient c = WsClient.open(gateway() + consumer)) {
            c.send("{\"messageId\":\"" + b64("not-a-message-id") + "\"}");
            assertEquals(4003, c.awaitClose(TIMEOUT));
        }
        try (WsClient c = WsClient.open(gateway() + consumer)) {
            c.send("{\"type\":\"isEndOfTopic\"}");
            assertEquals(Map.of("endOfTopic", false), Json.object(c.next(TIMEOUT)));
        }
    }

    @Test
    public void consumerCommandsNackUnsubscribeAndBinaryFrames() throws Exception {
        String topic = uniqueTopic("cmds");
        String consumerPath = "/ws/v2/consumer/persistent/public/default/" + topic + "/s";
        try (WsClient c = WsClient.open(
                        gateway() + consumerPath + "?negativeAckRedeliveryDelay=100&subscriptionType=Shared");
                WsClient p = WsClient.open(gateway() + "/ws/v2/producer/persistent/public/default/" + topic)) {
            p.send("{\"payload\":\"" + b64("nack me") + "\"}");
            assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            Map<String, Object> first = Json.object(c.next(TIMEOUT));
            c.send("{\"type\":\"negativeAcknowledge\",\"messageId\":\"" + first.get("messageId") + "\"}");
            Map<String, Object> again = Json.object(c.next(TIMEOUT));
            assertEquals(first.get("messageId"), again.get("messageId"));
            assertEquals(1L, again.get("redeliveryCount"));
            c.send("{\"messageId\":\"" + again.get("messageId") + "\"}");
            c.send("{\"type\":\"unsubscribe\"}");
            assertEquals(1000, c.awaitClose(TIMEOUT));
        }
        await("subscription removed", TIMEOUT, () -> {
            try {
                return !admin("GET", "/admin/v2/persistent/public/default/" + topic + "/subscriptions")
                        .body()
                        .contains("\"s\"");
            } catch (Exception e) {
                return false;
            }
        });
        try (WsClient c = WsClient.open(gateway() + consumerPath)) {
            c.sendBinary(new byte[] {1, 2, 3});
            assertEquals(1003, c.awaitClose(TIMEOUT));
        }
    }

    @Test
    public void handshakeRefusalsAreHttpStatuses() throws Exception {
        String ws = gateway();
        assertEquals(400, WsClient.refusedStatus(ws + "/ws/v2/producer/persistent/public"));
        assertEquals(400, WsClient.refusedStatus(ws + "/ws/v2/producer/bogus/public/default/t"));
        assertEquals(400, WsClient.refusedStatus(ws + "/ws/v2/consumer/persistent/public/default/t/"));
        assertEquals(
                400,
                WsClient.refusedStatus(ws + "/ws/v2/consumer/persistent/public/default/t/s?subscriptionType=Bogus"));
        assertEquals(
                400, WsClient.refusedStatus(ws + "/ws/v2/consumer/persistent/public/default/t/s?receiverQueueSize=x"));
        assertEquals(404, WsClient.refusedStatus(ws + "/ws/v2/producer/persistent/nosuchtenant/default/t"));
        String exclusive = ws + "/ws/v2/consumer/persistent/public/default/" + uniqueTopic("busy") + "/s";
        try (WsClient holder = WsClient.open(exclusive)) {
            assertEquals(409, WsClient.refusedStatus(exclusive));
        }
        String named = ws + "/ws/v2/producer/persistent/public/default/" + uniqueTopic("named") + "?producerName=p1";
        try (WsClient holder = WsClient.open(named)) {
            assertEquals(409, WsClient.refusedStatus(named));
        }
    }

    /**
     * Jetty picks the socket before it checks the rest of the handshake: a request that looks like an upgrade but
     * lacks Sec-WebSocket-Version is refused after the consumer was created. That consumer must not linger (an
     * Exclusive subscription would stay busy).
     */
    @Test
    public void aFailedUpgradeLeavesNoConsumerBehind() throws Exception {
        String path = "/ws/v2/consumer/persistent/public/default/" + uniqueTopic("half") + "/excl";
        try (Socket s = new Socket("127.0.0.1", Integer.parseInt(System.getProperty("itest.http.port")))) {
            s.setSoTimeout(30_000);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                                    + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String status =
                    new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertFalse(status, status.contains(" 101 "));
        }
        await("the exclusive subscription free again", TIMEOUT, () -> {
            try (WsClient c = WsClient.open(gateway() + path)) {
                return true;
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
    }

    private static String text(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }
}
