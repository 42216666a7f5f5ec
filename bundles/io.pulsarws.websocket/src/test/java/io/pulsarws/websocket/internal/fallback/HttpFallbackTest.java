package io.pulsarws.websocket.internal.fallback;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A POST whose frames name a sequence id never takes a producer another POST left idle. */
class HttpFallbackTest {
    private static boolean sequenced(String body) {
        return HttpFallback.mentions(
                body.getBytes(StandardCharsets.UTF_8), "sequenceId".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aBodyNamingASequenceIdIsSeenWhereverItIs() {
        assertTrue(sequenced("{\"payload\":\"aGk=\",\"sequenceId\":5}"));
        assertTrue(sequenced("[{\"payload\":\"aGk=\"},{\"sequenceId\":1,\"payload\":\"aGk=\"}]"));
        assertTrue(sequenced("sequenceId"));
        assertFalse(sequenced("{\"payload\":\"aGk=\"}"));
        assertFalse(sequenced("sequenceI"));
        assertFalse(sequenced(""));
    }
}
