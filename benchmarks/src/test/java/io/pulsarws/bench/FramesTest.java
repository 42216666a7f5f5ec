package io.pulsarws.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class FramesTest {

    @Test
    void aPayloadCarriesItsStampThroughBase64() {
        long now = System.nanoTime();
        byte[] p = Frames.payload(100, now);
        assertEquals(100, p.length);
        assertEquals(now, Frames.stamp(p));
        assertEquals(now, Frames.stampOfBase64(Base64.getEncoder().encodeToString(p)));
        assertEquals(Frames.MIN_PAYLOAD, Frames.payload(1, now).length);
    }

    @Test
    void theProducerFrameIsWhatTheApiPageShows() {
        byte[] p = Frames.payload(10, 7);
        assertEquals(
                "{\"payload\":\"" + Base64.getEncoder().encodeToString(p) + "\",\"context\":\"42\"}",
                Frames.produce(p, 42));
        assertEquals("{\"messageId\":\"CAEQAg==\"}", Frames.ack("CAEQAg=="));
    }

    @Test
    void fieldsAreReadFromEitherGatewaysResultFrames() {
        // Pulsar's proxy and this gateway order fields differently and may space them
        assertEquals("ok", Frames.field("{\"result\":\"ok\",\"messageId\":\"CAE=\",\"context\":\"5\"}", "result"));
        assertEquals(5, Frames.context("{\"messageId\" : \"CAE=\", \"result\" : \"ok\", \"context\" : \"5\"}"));
        assertEquals("send-error:8", Frames.field("{\"result\":\"send-error:8\",\"errorMsg\":\"full\"}", "result"));
        // a key that appears inside another value is not taken for the field
        assertEquals("x", Frames.field("{\"errorMsg\":\"\\\"context\",\"context\":\"x\"}", "context"));
        assertNull(Frames.field("{\"result\":\"ok\"}", "context"));
        assertEquals(-1, Frames.context("{\"result\":\"ok\"}"));
        assertEquals(-1, Frames.context("{\"context\":\"abc\"}"));
    }
}
