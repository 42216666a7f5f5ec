package io.pulsarws.websocket.internal.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pulsarws.codec.FrameCodec;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One POST of send frames, with a fake producer session and a fake servlet response: results in the frames' order
 * whatever order the broker answers in, and what is missing when it must answer early (timeout, the gateway
 * stopping) told apart: handed to the producer is "unknown", never handed is "not sent".
 */
class ProducerPostTest {
    private final FrameCodec codec = new FrameCodec();
    private final KeepAlive keepAlive = new KeepAlive();
    private final JsonFactory json = new JsonFactory();

    /** @return the answer's result objects (flat: every value a scalar), one for an object, all for an array */
    private List<Map<String, String>> results(byte[] body) throws java.io.IOException {
        List<Map<String, String>> all = new ArrayList<>();
        try (JsonParser p = json.createParser(body)) {
            Map<String, String> current = null;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.START_OBJECT) {
                    current = new TreeMap<>();
                    all.add(current);
                } else if (t.isScalarValue() && current != null) {
                    current.put(p.currentName(), p.getText());
                }
            }
        }
        return all;
    }

    @AfterEach
    void stop() {
        keepAlive.deactivate();
    }

    /** What the fake response got. */
    private static final class Answer {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final CountDownLatch written = new CountDownLatch(1);
        FakeHttp http;
    }

    private HttpExchange.Async async(Answer a) {
        FakeHttp.Out out = new FakeHttp.Out() {
            @Override
            boolean isReady() {
                return true;
            }

            @Override
            void setWriteListener(HttpExchange.WriteListener l) {
                try {
                    l.onWritePossible(); // as the container does once the connection can take bytes
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            void write(byte[] b, int off, int len) {
                a.body.write(b, off, len);
                a.written.countDown();
            }
        };
        a.http = new FakeHttp(out);
        return a.http.async;
    }

    private ProducerPost post(
            FakeHttp.Session producer, String body, long timeoutMillis, Answer a, AtomicInteger ended) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpExchange.Async async = async(a); // creates a.http
        return new ProducerPost(
                producer,
                bytes,
                codec.splitFrames(bytes, 1000),
                a.http,
                async,
                codec,
                timeoutMillis,
                keepAlive,
                ended::incrementAndGet);
    }

    private static String frames(int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",")
                    .append("{\"payload\":\"eA==\",\"context\":\"")
                    .append(i)
                    .append("\"}");
        }
        return b.append(']').toString();
    }

    @Test
    void resultsAreAnsweredInTheFramesOrder() throws Exception {
        FakeHttp.Session producer = new FakeHttp.Session();
        Answer a = new Answer();
        AtomicInteger ended = new AtomicInteger();
        post(producer, frames(3), 20_000, a, ended).start();
        assertEquals(3, producer.handed.size());
        producer.sink.sendResult(2, codec.encodeSendOk("Aw==", "2"));
        producer.sink.sendResult(0, codec.encodeSendOk("AQ==", "0"));
        producer.sink.sendResult(0, codec.encodeSendOk("BQ==", "0")); // a second result for a frame: ignored
        producer.sink.sendResult(7, codec.encodeSendOk("Bw==", "7")); // no such frame: ignored
        assertEquals(1, a.written.getCount(), "not answered before every frame has its result");
        producer.sink.sendResult(1, codec.encodeSendOk("Ag==", "1"));
        assertTrue(a.written.await(5, TimeUnit.SECONDS));
        assertEquals(200, a.http.status);
        assertTrue(a.body.toString(StandardCharsets.UTF_8).startsWith("["), "an array for an array");
        List<Map<String, String>> r = results(a.body.toByteArray());
        assertEquals(3, r.size());
        for (int i = 0; i < 3; i++) {
            assertEquals("ok", r.get(i).get("result"));
            assertEquals(String.valueOf(i), r.get(i).get("context"));
        }
        assertEquals("AQ==", r.get(0).get("messageId"), "the first result for a frame counts");
        assertTrue(a.http.completed.await(5, TimeUnit.SECONDS));
        assertEquals(1, producer.closed.get(), "the request's producer is closed once answered");
    }

    @Test
    void atTheTimeoutHandedFramesAreUnknownAndTheOthersNotSent() throws Exception {
        FakeHttp.Session producer = new FakeHttp.Session();
        producer.pauseAfter = 2; // the producer holds back after two frames, and never resumes
        Answer a = new Answer();
        post(producer, frames(4), 200, a, new AtomicInteger()).start();
        producer.sink.sendResult(0, codec.encodeSendOk("AQ==", "0"));
        assertTrue(a.written.await(5, TimeUnit.SECONDS), "answered by the timeout");
        assertEquals(2, producer.handed.size());
        List<Map<String, String>> r = results(a.body.toByteArray());
        assertEquals(4, r.size());
        assertEquals("ok", r.get(0).get("result"));
        assertEquals("send-error:8", r.get(1).get("result"));
        assertEquals("unknown", r.get(1).get("outcome"), "handed to the producer: perhaps stored");
        for (int i = 2; i < 4; i++) {
            assertEquals("send-error:8", r.get(i).get("result"));
            assertNull(r.get(i).get("outcome"), "never handed: certainly not stored");
            assertTrue(
                    r.get(i).get("errorMsg").startsWith("not sent: no answer from the broker within 200 ms"),
                    r.get(i).toString());
        }
    }

    @Test
    void abortAnswersAtOnceWithWhatIsKnown() throws Exception {
        FakeHttp.Session producer = new FakeHttp.Session();
        Answer a = new Answer();
        ProducerPost p = post(producer, "{\"payload\":\"eA==\"}", 60_000, a, new AtomicInteger());
        p.start();
        p.abort("the gateway is stopping");
        assertEquals(0, a.written.getCount(), "answered in the abort's own call, not after the 60 s timeout");
        assertTrue(a.body.toString(StandardCharsets.UTF_8).startsWith("{"), "one frame, one result object");
        Map<String, String> r = results(a.body.toByteArray()).get(0);
        assertEquals("unknown", r.get("outcome"));
        assertEquals("the gateway is stopping", r.get("errorMsg"));
        producer.sink.sendResult(0, codec.encodeSendOk("AQ==", null)); // too late: the answer is gone
        assertEquals(1, producer.closed.get());
    }
}
