package io.pulsarws.websocket.internal.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.session.OpenRefusedException;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubprotocolsTest {
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";

    private static Subprotocols of(String... headers) throws OpenRefusedException {
        return Subprotocols.of(List.of(headers));
    }

    private static String refusal(String... headers) {
        OpenRefusedException e = assertThrows(OpenRefusedException.class, () -> of(headers));
        assertEquals(400, e.status());
        assertFalse(e.getMessage().contains("c2lnbmF0dXJl"), "the refusal repeats the token: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void theBrowserFormGivesTheTokenAndTheProtocolToAnswer() throws OpenRefusedException {
        Subprotocols s = of("pulsar-websocket, token." + JWT);
        assertTrue(s.offered());
        assertEquals(JWT, s.token());
        // in either order, in separate headers, with spaces and empty list elements
        assertEquals(JWT, of("token." + JWT, " pulsar-websocket ").token());
        assertEquals(JWT, of(" , token." + JWT + " ,", "chat,pulsar-websocket,").token());
        assertEquals(JWT, of("pulsar-websocket,Token." + JWT).token());
        assertFalse(s.toString().contains(JWT), s.toString());
    }

    @Test
    void withoutATokenTheProtocolIsStillAnsweredAndOthersIgnored() throws OpenRefusedException {
        assertTrue(of("pulsar-websocket").offered());
        assertNull(of("pulsar-websocket").token());
        Subprotocols other = of("chat, superchat");
        assertFalse(other.offered());
        assertNull(other.token());
        assertFalse(Subprotocols.of(null).offered());
        assertFalse(Subprotocols.of(List.of()).offered());
        assertFalse(of("Pulsar-WebSocket").offered(), "the protocol name is case-sensitive, as RFC 6455 has it");
    }

    @Test
    void aTokenWithoutTheProtocolTwoTokensOrAnEmptyOneAre400() {
        assertTrue(refusal("token." + JWT).contains("needs \"pulsar-websocket\""));
        assertTrue(refusal("pulsar-websocket, token." + JWT, "token." + JWT).contains("two tokens"));
        assertTrue(refusal("pulsar-websocket, token.").contains("empty token"));
    }

    @Test
    void theHeaderIsBoundedBeforeItIsRead() throws OpenRefusedException {
        String sixteen = String.join(",", Collections.nCopies(Subprotocols.MAX_ENTRIES, "p"));
        assertFalse(of(sixteen).offered());
        assertTrue(refusal(sixteen + ",pulsar-websocket").contains("over 16 subprotocols"));
        String big = "x".repeat(Subprotocols.MAX_CHARS / 2);
        assertFalse(of(big, big).offered());
        assertTrue(refusal(big, big, "pulsar-websocket").contains("over 16384 characters"));
    }

    @Test
    void theConsolesReportIdIsReadWhenWellFormedAndIgnoredOtherwise() throws OpenRefusedException {
        String id = "AbCdEfGhIjKlMnOp_-09";
        Subprotocols s = of("pulsar-websocket, report." + id + ", token." + JWT);
        assertEquals(id, s.report());
        assertEquals(JWT, s.token());
        assertEquals(id, of("report." + id).report(), "no pulsar-websocket needed: nothing is answered for it");
        assertEquals(id, of("report." + id, "report.SecondIdSecondId").report(), "the first one counts");
        assertNull(of("report.short").report(), "under 16 characters");
        assertNull(of("report." + "x".repeat(65)).report(), "over 64 characters");
        assertNull(of("report.AbCdEfGhIjKlMnOp!").report(), "a character outside A-Z a-z 0-9 _ -");
        assertNull(of("Report." + id).report(), "the prefix is case-sensitive");
        assertNull(of("pulsar-websocket").report());
    }
}
