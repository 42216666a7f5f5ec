package io.pulsarws.websocket.internal.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.websocket.transport.HttpExchange;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The browser edge (issue 21, items 5 and 6): the Host a request names, and fetch metadata without an Origin. */
class EdgeChecksTest {

    /** A configuration of PID io.pulsarws.security with its defaults, and these values. */
    static SecurityConfiguration config(Map<String, Object> values) {
        return (SecurityConfiguration) Proxy.newProxyInstance(
                EdgeChecksTest.class.getClassLoader(), new Class<?>[] {SecurityConfiguration.class}, (p, m, a) -> {
                    if (values.containsKey(m.getName())) {
                        return values.get(m.getName());
                    }
                    if (m.getName().equals("annotationType")) {
                        return SecurityConfiguration.class;
                    }
                    return m.getDefaultValue();
                });
    }

    private static HttpExchange request(Map<String, String> headers) {
        return (HttpExchange) Proxy.newProxyInstance(
                EdgeChecksTest.class.getClassLoader(), new Class<?>[] {HttpExchange.class}, (p, m, a) -> {
                    return switch (m.getName()) {
                        case "header" -> headers.get((String) a[0]);
                        case "remoteAddress" -> "127.0.0.1";
                        case "remotePort" -> 40000;
                        case "secure" -> false;
                        default -> null;
                    };
                });
    }

    private static Map<String, String> headers(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static int status(SecuritySettings s, Map<String, String> headers) {
        try {
            s.checkOrigin(request(headers));
            return 200;
        } catch (OpenRefusedException e) {
            return e.status();
        }
    }

    @Test
    void hostNamesAndAddresses() {
        assertEquals("localhost", HostNames.hostName("LocalHost:8080"));
        assertEquals("[::1]", HostNames.hostName("[::1]:8080"));
        assertEquals("[::1]", HostNames.hostName("[::1]"));
        assertEquals("example.com", HostNames.hostName("example.com."));
        for (String ip : new String[] {"127.0.0.1", "10.1.2.3", "[::1]", "[fe80::1]"}) {
            assertTrue(HostNames.isIpLiteral(ip), ip);
        }
        for (String name :
                new String[] {"127.0.0.1.attacker.example", "256.1.1.1", "1.2.3", "[]", "[x::1]", "a.b.c.d"}) {
            assertFalse(HostNames.isIpLiteral(name), name);
        }
        Set<String> list = Set.of("gw.example.com", ".corp.example");
        assertTrue(HostNames.hostAllowed("localhost", Set.of()));
        assertTrue(HostNames.hostAllowed("app.localhost", Set.of()));
        assertTrue(HostNames.hostAllowed("gw.example.com", list));
        assertTrue(HostNames.hostAllowed("a.corp.example", list));
        assertTrue(HostNames.hostAllowed("corp.example", list));
        assertFalse(HostNames.hostAllowed("evilcorp.example", list));
        assertFalse(HostNames.hostAllowed("attacker.example", list));
        assertFalse(HostNames.hostAllowed("localhost.attacker.example", list));
    }

    /**
     * Item 6, DNS rebinding: Host and Origin both name the attacker's site, so "same origin" held; the Host is not
     * one this node answers to. On the code before, this was 200 (101 for a handshake).
     */
    @Test
    void aReboundNameIsRefusedWhateverTheOrigin() {
        SecuritySettings s = new SecuritySettings(config(Map.of()));
        assertEquals(
                403, status(s, headers("Host", "attacker.example:8080", "Origin", "http://attacker.example:8080")));
        assertEquals(403, status(s, headers("Host", "attacker.example")));
        assertEquals(200, status(s, headers("Host", "localhost:8080", "Origin", "http://localhost:8080")));
        assertEquals(200, status(s, headers("Host", "127.0.0.1:8080")));
        SecuritySettings named = new SecuritySettings(config(Map.of("allowedHosts", new String[] {"gw.example.com"})));
        assertEquals(
                200, status(named, headers("Host", "gw.example.com:8080", "Origin", "http://gw.example.com:8080")));
        SecuritySettings any = new SecuritySettings(config(Map.of("allowedHosts", new String[] {"*"})));
        assertEquals(200, status(any, headers("Host", "attacker.example")));
    }

    /**
     * Item 5: a no-cors fetch or an image from another site carries no Origin, but Chromium attests where it comes
     * from. On the code before, a missing Origin was always allowed.
     */
    @Test
    void withoutAnOriginTheBrowsersFetchMetadataDecides() {
        SecuritySettings s = new SecuritySettings(config(Map.of()));
        String host = "127.0.0.1:8080";
        assertEquals(
                403, status(s, headers("Host", host, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "no-cors")));
        assertEquals(403, status(s, headers("Host", host, "Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "no-cors")));
        assertEquals(200, status(s, headers("Host", host, "Sec-Fetch-Site", "same-origin")));
        assertEquals(200, status(s, headers("Host", host, "Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate")));
        assertEquals(200, status(s, headers("Host", host)), "a client that is no browser sends neither");
        // a CORS request from an allowed origin carries its Origin, and the allow-list decides as before
        SecuritySettings allowing =
                new SecuritySettings(config(Map.of("allowedOrigins", new String[] {"http://app.example"})));
        assertEquals(
                200,
                status(
                        allowing,
                        headers("Host", host, "Origin", "http://app.example", "Sec-Fetch-Site", "cross-site")));
        assertThrows(
                OpenRefusedException.class,
                () -> allowing.checkOrigin(request(
                        headers("Host", host, "Origin", "http://other.example", "Sec-Fetch-Site", "cross-site"))));
    }
}
