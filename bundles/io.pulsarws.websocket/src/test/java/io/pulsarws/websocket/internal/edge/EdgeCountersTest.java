package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Codes a client chooses cannot create labels: the set is fixed, the rest is "other". */
class EdgeCountersTest {

    @Test
    void knownCodesAreCountedAndTheRestIsOther() {
        EdgeCounters c = new EdgeCounters();
        c.refused(404);
        c.refused(404);
        c.refused(418);
        c.closed(1000);
        for (int code = 3000; code < 5000; code++) {
            c.closed(code); // every code a client may send
        }
        assertEquals(2L, c.refusals().get("404"));
        assertEquals(1L, c.refusals().get("other"));
        assertEquals(0L, c.refusals().get("503"), "every label is present, zero or not");
        assertEquals(EdgeCounters.STATUSES.length + 1, c.refusals().size());
        assertEquals(EdgeCounters.CLOSE_CODES.length + 1, c.closes().size(), "2,000 codes sent, no label added");
        assertEquals(1L, c.closes().get("1000"));
        assertEquals(1L, c.closes().get("4003"));
        assertEquals(2000L - 8, c.closes().get("other"));
    }

    @Test
    void slowClientsEndedAreCounted() {
        EdgeCounters c = new EdgeCounters();
        assertEquals(0L, c.slowClientsEnded());
        c.slowEnded();
        c.slowEnded();
        assertEquals(2L, c.slowClientsEnded());
    }
}
