package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Query parameters read from the query string alone, as the container would decode them. */
class QueryTest {

    @Test
    void firstValueOfEachNameDecoded() {
        Map<String, String> q = Query.parse("a=1&b=x+y&a=2&flag&&c=%C3%BC%2F%26&token=Bearer%20abc&e=");
        assertEquals(Map.of("a", "1", "b", "x y", "flag", "", "c", "ü/&", "token", "Bearer abc", "e", ""), q);
        assertEquals(java.util.List.of("a", "b", "flag", "c", "token", "e"), java.util.List.copyOf(q.keySet()));
        assertEquals(Map.of(), Query.parse(null));
        assertEquals(Map.of(), Query.parse(""));
        assertEquals(Map.of("ü", "€"), Query.parse("ü=€"), "raw characters as they are");
        assertEquals(Map.of("k", "😀"), Query.parse("k=%F0%9F%98%80"));
    }

    @Test
    void brokenEscapesAndBytesThatAreNotUtf8AreRefused() {
        for (String bad : new String[] {"%zz", "a=%", "a=%4", "a=%C3%28", "a=%FF", "%ED%A0%80=x"}) {
            assertThrows(IllegalArgumentException.class, () -> Query.parse(bad), bad);
        }
    }

    /** What is kept is never larger than the query string: at most one entry per two characters, no text added. */
    @Test
    void whatIsKeptIsBoundedByTheQueryString() {
        StringBuilder raw = new StringBuilder();
        for (int i = 0; raw.length() < 8_192; i++) {
            raw.append(i == 0 ? "" : "&").append("k").append(i).append("=%41%42");
        }
        Map<String, String> q = Query.parse(raw.toString());
        long kept = q.entrySet().stream()
                .mapToLong(e -> e.getKey().length() + e.getValue().length())
                .sum();
        assertTrue(kept < raw.length(), kept + " characters kept of " + raw.length());
        assertTrue(q.size() <= (raw.length() + 1) / 2, q.size() + " entries");
        assertEquals(1, Query.parse("a&".repeat(4_096)).size(), "repeated names are one entry");
    }
}
