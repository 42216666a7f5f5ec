package io.pulsarws.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.inject.Inject;
import javax.management.JMException;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Clients that are careless or hostile, each case followed by a normal produce/consume round trip that must succeed
 * within 5 s, and by a heap check: the heap used after a full GC (platform MBeans; the tests run in the gateway's
 * JVM) may not have grown by more than {@link #HEAP_BUDGET}. Each test fails on the behaviour before the fix.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HostileClientsIT extends GatewayTestSupport {
    /** What a hostile case may leave on the heap after a full GC. */
    private static final long HEAP_BUDGET = 48L << 20;

    /**
     * What four stalled floods may have the heap hold while they are connected. Their queued frames are checked
     * exactly (the outbound metric), and the heap holds more than them: the Pulsar client's pooled send operations
     * among others (its Netty recycles them per thread that sent, HTTP threads here). It grew by 5.5-5.7 MiB in
     * local runs and by 48 MiB in one CI run, with no histogram then to say of what (a failed check now prints
     * one). Before the fix the floods filled the 512 MiB heap within a minute.
     */
    private static final long FLOOD_HEAP_BUDGET = 128L << 20;

    private static final Duration ROUND_TRIP = Duration.ofSeconds(5);
    /** A well-formed Pulsar id whose batch_size is 2^31-1: Pulsar's parser would allocate 256 MiB for it. */
    private static final String HUGE_BATCH_ID = "CAEQASAAMP////8H";

    @Inject
    private ConfigurationAdmin configAdmin;

    @Test
    public void a_anOutOfRangeMessageIdIsRefusedBeforeAnythingIsAllocated() throws Exception {
        long before = heapAfterGc();
        String topic = uniqueTopic("hugeid");
        for (int i = 0; i < 4; i++) {
            try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/s" + i)) {
                c.send("{\"messageId\":\"" + HUGE_BATCH_ID + "\"}");
                assertEquals(
                        "closed as a frame that cannot be read, not 1011 Java heap space", 4003, c.awaitClose(TIMEOUT));
            }
        }
        try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/nack")) {
            c.send("{\"type\":\"negativeAcknowledge\",\"messageId\":\"" + HUGE_BATCH_ID + "\"}");
            assertEquals(4003, c.awaitClose(TIMEOUT));
        }
        try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/seek")) {
            c.send("{\"type\":\"seek\",\"messageId\":\"" + HUGE_BATCH_ID + "\"}");
            assertEquals(4003, c.awaitClose(TIMEOUT));
        }
        String refusal = refusal(gateway() + path("reader", topic) + "?messageId=" + HUGE_BATCH_ID, Map.of());
        assertTrue(
                refusal,
                refusal.startsWith("400 Invalid query params: messageId") && refusal.contains("batch size 2147483647"));
        record("hostile: out-of-range message ids (6 frames, 1 reader): heap after GC grew by "
                + mib(assertHeapWithinBudget(before)));
        roundTrip();
    }

    /**
     * A producer that sends without waiting for results (load tools, the API page's NodeJS example): before, 15-23 %
     * of its sends were refused with send-error:8 once 1000 were pending. Now the gateway stops reading it at the
     * bound, TCP slows it down, and every send is stored; another producer keeps its latency meanwhile.
     */
    @Test
    public void b_aBurstIsSlowedDownNotRefused() throws Exception {
        long before = heapAfterGc();
        int n = 20_000;
        String topic = uniqueTopic("burst");
        AtomicReference<Duration> slowest = new AtomicReference<>(Duration.ZERO);
        long started = System.nanoTime();
        try (WsClient p = WsClient.open(gateway() + path("producer", topic))) {
            Thread other = new Thread(() -> {
                try {
                    for (int i = 0; i < 5; i++) {
                        long t0 = System.nanoTime();
                        roundTrip();
                        Duration took = Duration.ofNanos(System.nanoTime() - t0);
                        slowest.accumulateAndGet(took, (a, b) -> a.compareTo(b) >= 0 ? a : b);
                    }
                } catch (Exception | AssertionError e) {
                    slowest.set(Duration.ofDays(1));
                }
            });
            other.start();
            String payload = b64("x".repeat(100));
            for (int i = 0; i < n; i++) {
                p.send("{\"payload\":\"" + payload + "\",\"context\":\"" + i + "\"}");
            }
            Set<String> contexts = new HashSet<>();
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Map<String, Object> r = Json.object(p.next(TIMEOUT));
                contexts.add((String) r.get("context"));
                if (!"ok".equals(r.get("result"))) {
                    refused.add(r.toString());
                }
            }
            other.join(60_000);
            assertEquals("none refused, first: " + (refused.isEmpty() ? "" : refused.get(0)), 0, refused.size());
            assertEquals("every send answered once", n, contexts.size());
            assertTrue(
                    "another producer's round trips took at most " + ROUND_TRIP + ", slowest " + slowest.get(),
                    slowest.get().compareTo(ROUND_TRIP) <= 0);
        }
        long took = System.nanoTime() - started;
        assertEquals("every message stored", n, storedIn(topic));
        record(String.format(
                "hostile: burst of %d sends without waiting: 0 refused, %.0f msg/s, another producer's "
                        + "slowest round trip %d ms, heap after GC grew by %s",
                n, n / (took / 1e9), slowest.get().toMillis(), mib(assertHeapWithinBudget(before))));
    }

    /**
     * The node's producer memory ({@code memoryLimitMb}) makes sends wait, not fail: four producers send 25 messages
     * of 512 KiB each (50 MiB) at once through a budget of 1 MiB; all are stored, at most 1 MiB is ever in flight,
     * and sends did wait. Before, Pulsar's own limit answered send-error:8 beyond 1 MiB.
     */
    @Test
    public void c_sendsWaitForTheNodesProducerMemory() throws Exception {
        javax.management.MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName gateway = new javax.management.ObjectName("io.pulsarws:type=Gateway");
        try {
            configure(
                    configAdmin,
                    "io.pulsarws.gateway",
                    Map.of("memoryLimitMb", 1),
                    "memoryLimitMb applied in place",
                    "applied in place",
                    "memoryLimit=1 MB");
            long waitedBefore = (Long) jmx.getAttribute(gateway, "SendsThatWaitedForMemory");
            String topic = uniqueTopic("budget");
            String payload = b64("y".repeat(512 * 1024));
            AtomicLong maxInFlight = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        maxInFlight.accumulateAndGet(
                                (Long) jmx.getAttribute(gateway, "ProducerBytesInFlight"), Math::max);
                        Thread.sleep(1); // a sampling interval, not a wait for a condition
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        maxInFlight.set(Long.MAX_VALUE);
                        return;
                    }
                }
            });
            sampler.start();
            List<WsClient> producers = new ArrayList<>();
            try {
                for (int p = 0; p < 4; p++) {
                    producers.add(WsClient.open(gateway() + path("producer", topic)));
                }
                for (int i = 0; i < 25; i++) {
                    for (WsClient p : producers) {
                        p.send("{\"payload\":\"" + payload + "\"}");
                    }
                }
                for (WsClient p : producers) {
                    for (int i = 0; i < 25; i++) {
                        Map<String, Object> r = Json.object(p.next(TIMEOUT));
                        assertEquals(r.toString(), "ok", r.get("result"));
                    }
                }
            } finally {
                producers.forEach(WsClient::close);
                sampler.interrupt();
                sampler.join(5_000);
            }
            assertEquals(100, storedIn(topic));
            long waited = (Long) jmx.getAttribute(gateway, "SendsThatWaitedForMemory") - waitedBefore;
            assertTrue("sends waited for memory: " + waited, waited > 0);
            assertTrue("producer bytes in flight within 1 MiB: " + maxInFlight.get(), maxInFlight.get() <= 1 << 20);
            record(String.format(
                    "hostile: 4 producers x 25 sends of 512 KiB through memoryLimitMb=1: 0 refused, %d "
                            + "sends waited, at most %d bytes in flight (JMX, sampled)",
                    waited, maxInFlight.get()));
        } finally {
            configureGateway("memoryLimitMb", 64);
        }
        roundTrip();
    }

    /**
     * Four producers that send as fast as they can and never read their results. Before, the results queued for
     * them filled the heap within a minute and the node never recovered. Now each is held back (its writes stall:
     * the gateway stops reading it), then closed once it has not read for slowClientTimeoutMillis (3 s here) and
     * dropped 5 s later since it does not read the close either; the node serves others throughout.
     */
    @Test
    public void d_producersThatNeverReadAreHeldBackThenDropped() throws Exception {
        long before = heapAfterGc();
        configureEndpoints(65_536, 3_000);
        try {
            String url = gateway() + path("producer", uniqueTopic("noread"));
            List<RawWs> clients = new ArrayList<>();
            List<Flood> floods = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                RawWs ws = RawWs.open(url, 4096);
                clients.add(ws);
                floods.add(new Flood(ws, "{\"payload\":\"" + b64("z".repeat(60)) + "\"}"));
            }
            floods.forEach(Thread::start);
            await("the gateway to count them as slow clients", TIMEOUT, () -> metric("pulsarws_slow_clients ") >= 1);
            for (Flood f : floods) {
                await("the flood to stall (TCP holds it back)", TIMEOUT, f::stalled);
            }
            roundTrip();
            // per client: its budget, plus the results of the sends in flight when it was paused (1000 x ~90 bytes)
            long queued = (long) metric("pulsarws_outbound_queued_bytes ");
            assertTrue("queued for clients: " + queued, queued < 4 * (65_536 + 100_000));
            long grown = assertHeapWithinBudget(before, FLOOD_HEAP_BUDGET);
            if (grown > HEAP_BUDGET / 3) { // what it is, for the record (see FLOOD_HEAP_BUDGET)
                record("hostile: the heap with four stalled floods connected:\n" + largestOnHeap(12));
            }
            long t0 = System.nanoTime();
            for (Flood f : floods) {
                f.join(Duration.ofSeconds(3 + 5 + 20).toMillis());
                assertFalse("dropped, since it does not read its close either", f.isAlive());
                assertTrue("its writes failed once dropped: " + f.failure.get(), f.failure.get() != null);
            }
            long dropped = Duration.ofNanos(System.nanoTime() - t0).toMillis();
            clients.forEach(RawWs::close);
            await(
                    "nothing queued for clients any more",
                    TIMEOUT,
                    () -> metric("pulsarws_outbound_queued_bytes ") == 0 && metric("pulsarws_slow_clients ") == 0);
            long sent = floods.stream().mapToLong(f -> f.sent.get()).sum();
            record(String.format(
                    "hostile: 4 producers never reading (64 KiB budget, 3 s timeout): stalled after %d "
                            + "frames in all, %d bytes queued for them, all dropped %d ms after the heap check, heap after GC "
                            + "grew by %s",
                    sent, queued, dropped, mib(grown)));
        } finally {
            configureEndpoints(1_048_576, 30_000);
        }
        roundTrip();
    }

    /**
     * A pull-mode consumer granting 2^31-1 permits and never reading: before, every message of the backlog was
     * queued for it in the gateway's heap. Now deliveries stop at its outbound budget (plus what the kernel's
     * buffers hold), and it is closed and dropped after slowClientTimeoutMillis.
     */
    @Test
    public void e_aConsumerThatNeverReadsGetsNoMoreDeliveries() throws Exception {
        String topic = uniqueTopic("noreadc");
        int n = 6_000;
        String payload = b64("c".repeat(2048));
        try (WsClient p = WsClient.open(gateway() + path("producer", topic))) {
            for (int i = 0; i < n; i++) {
                p.send("{\"payload\":\"" + payload + "\"}");
            }
            for (int i = 0; i < n; i++) {
                assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            }
        }
        long before = heapAfterGc();
        configureEndpoints(65_536, 3_000);
        try {
            double deliveredBefore = delivered();
            double endedBefore = metric("pulsarws_slow_clients_ended_total ");
            try (RawWs c = RawWs.open(
                    gateway() + path("consumer", topic) + "/s?pullMode=true&subscriptionInitialPosition=Earliest",
                    4096)) {
                c.sendText("{\"type\":\"permit\",\"permitMessages\":2147483647}");
                await("the gateway to count it as a slow client", TIMEOUT, () -> metric("pulsarws_slow_clients ") >= 1);
                long grown = assertHeapWithinBudget(before);
                roundTrip();
                // not read until the gateway has given up on it: a client that reads is no longer a slow one. The
                // gauge alone cannot tell: it also drops to 0 for a moment whenever the kernel's send buffer takes
                // what was queued, before the consumer's socket is full for good (CI once read on such a moment,
                // and the consumer, reading now, was rightly never closed)
                await(
                        "the gateway to end the slow client",
                        Duration.ofSeconds(30),
                        () -> metric("pulsarws_slow_clients_ended_total ") - endedBefore == 1);
                await("the slow client dropped", Duration.ofSeconds(30), () -> metric("pulsarws_slow_clients ") == 0);
                double stuckAt = delivered() - deliveredBefore;
                assertTrue("deliveries stopped well before the backlog's end: " + stuckAt, stuckAt < n / 2.0);
                record(String.format(
                        "hostile: pull consumer with 2^31-1 permits never reading: %.0f of %d messages "
                                + "delivered (2 KiB each) until it was dropped, heap after GC grew by %s while held",
                        stuckAt, n, mib(grown)));
                String close = c.awaitClose(Duration.ofSeconds(30));
                assertTrue(close, close.equals("EOF") || close.startsWith("1008 "));
                assertEquals("no deliveries once dropped", stuckAt, delivered() - deliveredBefore, 0.0);
            }
        } finally {
            configureEndpoints(1_048_576, 30_000);
        }
        roundTrip();
    }

    /**
     * The loss through batch-ack bookkeeping: m1, m2, m3 in one entry; consumer 1 acks m1 and m2 and
     * unsubscribes; consumer 2 (same name, Earliest) receives all three and acks only m3. Before, the old acks
     * completed the batch and consumer 3 received nothing; m1 and m2 were never acked on that subscription.
     */
    @Test
    public void f_acksOfADeletedSubscriptionNeverCount() throws Exception {
        String topic = uniqueTopic("batchloss");
        String consumer = gateway() + path("consumer", topic) + "/s?subscriptionInitialPosition=Earliest";
        try (WsClient p = WsClient.open(gateway() + path("producer", topic)
                + "?batchingEnabled=true&batchingMaxMessages=3&batchingMaxPublishDelay=1000")) {
            for (String m : List.of("m1", "m2", "m3")) {
                p.send("{\"payload\":\"" + b64(m) + "\"}");
            }
            for (int i = 0; i < 3; i++) {
                assertEquals("ok", Json.object(p.next(TIMEOUT)).get("result"));
            }
        }
        try (WsClient c1 = WsClient.open(consumer)) {
            Map<String, String> ids = receive(c1, 3);
            c1.send("{\"messageId\":\"" + ids.get("m1") + "\"}");
            c1.send("{\"messageId\":\"" + ids.get("m2") + "\"}");
            c1.send("{\"type\":\"unsubscribe\"}");
            assertEquals(1000, c1.awaitClose(TIMEOUT));
        }
        String acks = "pulsarws_acks_total{namespace=\"public/default\"} ";
        try (WsClient c2 = WsClient.open(consumer)) {
            Map<String, String> ids = receive(c2, 3);
            double acked = metric(acks);
            c2.send("{\"messageId\":\"" + ids.get("m3") + "\"}");
            await("the ack of m3 counted before the close", TIMEOUT, () -> metric(acks) > acked);
        }
        try (WsClient c3 = WsClient.open(consumer)) {
            Set<String> got = new HashSet<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!got.containsAll(Set.of("m1", "m2")) && System.nanoTime() < deadline) {
                String f = c3.poll(Duration.ofMillis(500));
                if (f != null) {
                    got.add(text(Json.object(f)));
                }
            }
            assertTrue("m1 and m2 redelivered, got " + got, got.containsAll(Set.of("m1", "m2")));
        }
    }

    /**
     * Frames Jetty refuses are closed with a plain reason, not a Java class name: invalid UTF-8 (1007), a frame
     * over maxTextFrameSize (1009), and a frame declaring 2^31 bytes, which Jetty 9.4 misreads as negative.
     */
    /**
     * Compression is declined, as before on Jetty 9.4 (issue 26 is to offer it with a bound): Jetty 12 would accept a
     * browser's permessage-deflate offer by default, and an inflated frame is not bounded by what the client sent.
     */
    @Test
    public void g0_compressionOffersAreDeclined() throws Exception {
        String url = gateway() + path("producer", uniqueTopic("deflate"));
        try (RawWs ws = RawWs.open(
                url, 0, java.util.Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"))) {
            assertEquals(ws.responseHeaders.toString(), null, ws.responseHeaders.get("sec-websocket-extensions"));
            ws.sendText("{\"payload\":\"aGk=\"}");
            String result = ws.nextText(TIMEOUT);
            assertTrue(result, result.contains("\"result\":\"ok\""));
        }
    }

    @Test
    public void g_brokenFramesAreClosedInPlainWords() throws Exception {
        String url = gateway() + path("producer", uniqueTopic("broken"));
        try (RawWs ws = RawWs.open(url, 0)) {
            ws.sendFrame(0x1, new byte[] {'{', (byte) 0xC0, (byte) 0x80, '}'});
            assertEquals("1007 Text frame is not valid UTF-8", ws.awaitClose(TIMEOUT));
        }
        // the gateway checks UTF-8 itself: a character split between fragments is whole once joined, an encoded
        // surrogate is not UTF-8 wherever it stands
        byte[] frame = "{\"payload\":\"aGk=\",\"context\":\"\u20ac\"}".getBytes(StandardCharsets.UTF_8);
        int euro = new String(frame, StandardCharsets.UTF_8).indexOf('\u20ac') + 1; // inside the 3 bytes of the euro
        try (RawWs ws = RawWs.open(url, 0)) {
            ws.sendFrame(false, 0x1, java.util.Arrays.copyOfRange(frame, 0, euro));
            ws.sendFrame(true, 0x0, java.util.Arrays.copyOfRange(frame, euro, frame.length));
            String result = ws.nextText(TIMEOUT);
            assertTrue(result, result.contains("\"result\":\"ok\"") && result.contains("\"context\":\"\u20ac\""));
        }
        try (RawWs ws = RawWs.open(url, 0)) {
            ws.sendFrame(false, 0x1, "{\"payload\":\"aGk=\",\"context\":\"".getBytes(StandardCharsets.UTF_8));
            ws.sendFrame(true, 0x0, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'});
            assertEquals("1007 Text frame is not valid UTF-8", ws.awaitClose(TIMEOUT));
        }
        try (RawWs ws = RawWs.open(url, 0)) {
            // Jetty 12 reads a frame in pieces as they come, never sized from its header: refused once more than
            // maxTextFrameSize bytes came (Jetty 9.4 refused at the header, having reserved up to that size)
            ws.sendRawHeader(0x81, 2L * 1024 * 1024);
            Thread writer = new Thread(() -> {
                try {
                    for (int sent = 0; sent < 2 * 1024 * 1024; sent += 16 * 1024) {
                        ws.sendRawPayload(new byte[16 * 1024]);
                    }
                } catch (IOException e) {
                    // closed by the gateway meanwhile, as it should be
                }
            });
            writer.start();
            assertEquals("1009 Message larger than maxTextFrameSize (1048576 bytes)", ws.awaitClose(TIMEOUT));
            writer.join(TIMEOUT.toMillis());
        }
        try (RawWs ws = RawWs.open(url, 0)) {
            ws.sendRawHeader(0x81, 1L << 31);
            String close = ws.awaitClose(TIMEOUT);
            assertFalse(close, close.contains("Exception") || close.contains("java.") || close.contains("newLimit"));
        }
        roundTrip();
    }

    /**
     * {@code Sec-WebSocket-Protocol} is bounded before it is read (16 names, 16 KiB), and a token offered there is
     * refused unless the handshake can answer with {@code pulsar-websocket}, with authentication off as on; offering
     * {@code pulsar-websocket} is answered with it.
     */
    @Test
    public void h_offeredSubprotocolsAreBoundedAndAnswered() throws Exception {
        String url = gateway() + path("producer", uniqueTopic("subprotocols"));
        String seventeen = String.join(", ", java.util.Collections.nCopies(17, "chat"));
        assertEquals(
                "400 Sec-WebSocket-Protocol offers over 16 subprotocols",
                refusal(url, Map.of("Sec-WebSocket-Protocol", seventeen)));
        assertEquals(
                "400 A token in Sec-WebSocket-Protocol needs \"pulsar-websocket\" offered beside it: new WebSocket(url,"
                        + " [\"pulsar-websocket\", \"token.<token>\"])",
                refusal(url, Map.of("Sec-WebSocket-Protocol", "token.abc")));
        try (WsClient ws = WsClient.openOffering(url, "chat", "pulsar-websocket")) {
            assertEquals("pulsar-websocket", ws.subprotocol());
        }
        try (WsClient ws = WsClient.openOffering(url, "chat")) {
            assertEquals("other names are not answered, as before", "", ws.subprotocol());
        }
        roundTrip();
    }

    /**
     * Issue 21, item 6, DNS rebinding: a page on attacker.example whose name now points at this node is same-origin
     * with itself, so a handshake names attacker.example as its Host and as its Origin. The Host is not one this node
     * answers to: 403, before anything is opened; so is a read of the statistics through that name. The same
     * handshake naming the node's address is answered 101. On the code before, the rebound handshake got 101.
     */
    @Test
    public void i_aReboundHostNameIsRefused() throws Exception {
        String path = path("producer", uniqueTopic("rebinding"));
        int port = Integer.parseInt(System.getProperty("itest.http.port"));
        double before = metric("pulsarws_handshakes_refused_total{status=\"403\"} ");
        String rebound = rawStatus(
                port,
                "GET " + path + " HTTP/1.1\r\nHost: attacker.example:" + port
                        + "\r\nOrigin: http://attacker.example:" + port
                        + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertTrue(rebound, rebound.startsWith("HTTP/1.1 403 "));
        assertEquals(1, metric("pulsarws_handshakes_refused_total{status=\"403\"} ") - before, 0);
        String metrics = rawStatus(
                port, "GET /metrics HTTP/1.1\r\nHost: attacker.example:" + port + "\r\nConnection: close\r\n\r\n");
        assertTrue(metrics, metrics.startsWith("HTTP/1.1 403 "));
        String ours = rawStatus(
                port,
                "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                        + "\r\nOrigin: http://127.0.0.1:" + port + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        assertTrue(ours, ours.startsWith("HTTP/1.1 101 "));
        updateConfiguration(configAdmin, "io.pulsarws.security", Map.of("allowedHosts", "attacker.example"));
        try {
            await("the name allowed", TIMEOUT, () -> {
                try {
                    return rawStatus(
                                    port,
                                    "GET /metrics HTTP/1.1\r\nHost: attacker.example:" + port
                                            + "\r\nConnection: close\r\n\r\n")
                            .startsWith("HTTP/1.1 200 ");
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            configure(
                    configAdmin,
                    "io.pulsarws.security",
                    Map.of("allowedHosts", ""),
                    "the allowed hosts back to the default",
                    "WebSocket security:",
                    "allowed hosts=localhost and IP addresses");
        }
        roundTrip();
    }

    /**
     * Issue 21, item 7: 70 POSTs to the HTTP fallback's producer path that trickle their body (one byte of a declared
     * thousand) hold no pending-handshake place (64 by default), so every other client still connects and round-trips;
     * each slow body is answered 408 at the deadline and its connection closed. On the code before, each held a
     * place and a thread while its body was read: every other handshake on the node got 503.
     */
    @Test
    public void j_slowBodiesDoNotCloseTheNodeToOthers() throws Exception {
        int port = Integer.parseInt(System.getProperty("itest.http.port"));
        String path = "/http" + path("producer", uniqueTopic("slow-body")).substring("/ws".length());
        double before = metric("pulsarws_handshakes_refused_total{status=\"503\"} ");
        List<java.net.Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 70; i++) {
                java.net.Socket s = new java.net.Socket("127.0.0.1", port);
                s.setSoTimeout(30_000);
                s.getOutputStream()
                        .write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                                .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
            }
            roundTrip(); // a WebSocket handshake and round trip while all 70 are trickling
            assertEquals(
                    "no handshake refused for want of a place",
                    0,
                    metric("pulsarws_handshakes_refused_total{status=\"503\"} ") - before,
                    0);
            long started = System.nanoTime();
            for (java.net.Socket s : slow) {
                String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 408", status);
            }
            long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertTrue("answered within the 10 s deadline and a margin: " + seconds + " s", seconds <= 15);
            record("hostile: 70 trickled POST bodies: 408 each, 0 handshakes refused meanwhile");
        } finally {
            for (java.net.Socket s : slow) {
                s.close();
            }
        }
        roundTrip();
    }

    /** Sends a raw HTTP request and returns the status line of the answer. */
    private static String rawStatus(int port, String request) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            StringBuilder line = new StringBuilder();
            for (int c = s.getInputStream().read();
                    c != -1 && c != '\n';
                    c = s.getInputStream().read()) {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    /** Writes one frame after another until the connection fails; records how many. */
    private static final class Flood extends Thread {
        private final RawWs ws;
        private final String frame;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private long lastSeen = -1;
        private long unchangedSince;

        Flood(RawWs ws, String frame) {
            this.ws = ws;
            this.frame = frame;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                for (int i = 0; i < 10_000_000; i++) { // bounded; TCP stalls it long before
                    ws.sendText(frame);
                    sent.incrementAndGet();
                }
            } catch (IOException e) {
                failure.set(e);
            }
        }

        /** @return true once no frame went out for a whole second */
        boolean stalled() {
            long now = System.nanoTime();
            long s = sent.get();
            if (s != lastSeen) {
                lastSeen = s;
                unchangedSince = now;
                return false;
            }
            return s > 0 && now - unchangedSince > 1_000_000_000L;
        }
    }

    /** Produces one message and consumes it through the gateway, within {@link #ROUND_TRIP}. */
    private static void roundTrip() throws Exception {
        long deadline = System.nanoTime() + ROUND_TRIP.toNanos();
        String topic = uniqueTopic("roundtrip");
        try (WsClient c = WsClient.open(gateway() + path("consumer", topic) + "/rt", ROUND_TRIP);
                WsClient p = WsClient.open(gateway() + path("producer", topic), ROUND_TRIP)) {
            p.send("{\"payload\":\"" + b64("ping") + "\"}");
            assertEquals("ok", Json.object(p.next(ROUND_TRIP)).get("result"));
            Map<String, Object> m = Json.object(c.next(ROUND_TRIP));
            assertEquals("ping", text(m));
            c.send("{\"messageId\":\"" + m.get("messageId") + "\"}");
        }
        assertTrue("round trip within " + ROUND_TRIP, System.nanoTime() <= deadline);
    }

    private static Map<String, String> receive(WsClient c, int n) throws Exception {
        Map<String, String> ids = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> m = Json.object(c.next(TIMEOUT));
            ids.put(text(m), (String) m.get("messageId"));
        }
        return ids;
    }

    /** @return the messages the broker stored in a topic of public/default */
    private static long storedIn(String topic) throws Exception {
        Map<String, Object> stats = Json.object(admin("GET", "/admin/v2/persistent/public/default/" + topic + "/stats")
                .body());
        return (Long) stats.get("msgInCounter");
    }

    /** @return the heap used after a full collection */
    private static long heapAfterGc() {
        ManagementFactory.getMemoryMXBean().gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** @return how much the heap grew (after a full GC), checked against {@link #HEAP_BUDGET} */
    private static long assertHeapWithinBudget(long before) {
        return assertHeapWithinBudget(before, HEAP_BUDGET);
    }

    /** @return how much the heap grew (after a full GC), checked against the budget */
    private static long assertHeapWithinBudget(long before, long budget) {
        long grown = heapAfterGc() - before;
        if (grown > budget) {
            throw new AssertionError("heap grew by " + (grown >> 20) + " MiB (budget " + (budget >> 20)
                    + " MiB); what the heap holds now:\n" + largestOnHeap(20));
        }
        return grown;
    }

    /** @return the head of the JVM's class histogram of live objects, to tell what a failed heap check found */
    private static String largestOnHeap(int classes) {
        try {
            return classHistogram().lines().limit(classes + 2L).collect(Collectors.joining("\n"));
        } catch (JMException e) {
            return "(no class histogram: " + e + ")";
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    private static double delivered() {
        return metric("pulsarws_messages_delivered_total{namespace=\"public/default\"} ");
    }

    /** Sets the outbound budget and slow-client timeout, and waits until the endpoints log them in force. */
    private void configureEndpoints(int perSession, long slowClientMillis) throws Exception {
        configure(
                configAdmin,
                "io.pulsarws.websocket",
                Map.of("maxQueuedBytesPerSession", perSession, "slowClientTimeoutMillis", slowClientMillis),
                "the outbound budget in force",
                "WebSocket limits:",
                "outbound budget " + perSession + " bytes per session",
                "slow client timeout " + slowClientMillis + " ms");
    }

    private void configureGateway(String key, Object value) throws Exception {
        updateConfiguration(configAdmin, "io.pulsarws.gateway", Map.of(key, value));
    }
}
