package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.session.Setting;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The typed gateway settings: what replaces the client, what applies in place, what is refused, what is shown. */
class GatewaySettingsTest {

    private static GatewaySettings settings(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return GatewaySettings.of(ClusterManagerTest.config(m));
    }

    /** Each key the client is built from makes the client settings differ; each other key leaves them equal. */
    @Test
    void clientSettingsDifferExactlyForTheKeysTheClientIsBuiltFrom() {
        GatewaySettings base = settings();
        Map<String, Object> rebuild = Map.ofEntries(
                Map.entry("clusterName", "other"),
                Map.entry("listenerName", "internal"),
                Map.entry("operationTimeoutMillis", 1234),
                Map.entry("connectionTimeoutMillis", 1234),
                Map.entry("ioThreads", 2),
                Map.entry("connectionsPerBroker", 2),
                Map.entry("brokerClientAuthenticationPlugin", "org.example.Auth"),
                Map.entry("brokerClientAuthenticationParameters", "token:x"),
                Map.entry("tlsTrustCertsFilePath", "/dev/null"),
                Map.entry("tlsHostnameVerificationEnable", false),
                Map.entry("tlsAllowInsecureConnection", true));
        rebuild.forEach((k, v) -> assertNotEquals(base.client(), settings(k, v).client(), k + " needs a new client"));
        Map<String, Object> inPlace = Map.of(
                "memoryLimitMb",
                1,
                "maxPendingMessages",
                5,
                "receiverQueueSize",
                5,
                "authorizationEnabled",
                true,
                "maxCredentialClients",
                2);
        inPlace.forEach((k, v) -> {
            GatewaySettings changed = settings(k, v);
            assertEquals(base.client(), changed.client(), k + " applies in place");
            assertNotEquals(base, changed, k + " is a setting all the same");
        });
        assertEquals(
                base.client(),
                settings("clusterName", " standalone ", "listenerName", "  ").client(),
                "blanks and surrounding spaces are no change");
    }

    @Test
    void everythingWrongIsNamedAtOnce() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> settings(
                        "operationTimeoutMillis",
                        0,
                        "memoryLimitMb",
                        -1,
                        "serviceUrl",
                        "bogus://x",
                        "tlsTrustCertsFilePath",
                        "/no/such/file"));
        assertTrue(e.getMessage().contains("operationTimeoutMillis must be >= 1"), e.getMessage());
        assertTrue(e.getMessage().contains("memoryLimitMb must be >= 0"), e.getMessage());
        assertTrue(e.getMessage().contains("serviceUrl must be pulsar://"), e.getMessage());
        assertTrue(e.getMessage().contains("/no/such/file is not a readable file"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings("serviceUrl", " "));
        assertTrue(e.getMessage().contains("set serviceUrl, or leave it empty"), e.getMessage());
    }

    @Test
    void discoveryWhenNoServiceUrl() {
        GatewaySettings s = settings("serviceUrl", "", "globalZookeeperServers", " zk:127.0.0.1:2181 ");
        assertNull(s.serviceUrl());
        assertEquals(new GatewaySettings.DiscoverySettings("zk:127.0.0.1:2181", "standalone", 30_000), s.discovery());
        assertNull(settings().discovery(), "a configured serviceUrl discovers nothing");
    }

    /** The secret is flagged and masked in the view and absent from every toString the log could print. */
    @Test
    void theSecretIsNeverShown() {
        GatewaySettings s = settings(
                "brokerClientAuthenticationPlugin",
                "org.apache.pulsar.client.impl.auth.AuthenticationToken",
                "brokerClientAuthenticationParameters",
                "token:very-secret");
        List<Setting> view = s.view("pulsar://127.0.0.1:6650");
        Setting params = view.stream()
                .filter(v -> v.key().equals("brokerClientAuthenticationParameters"))
                .findFirst()
                .orElseThrow();
        assertEquals(new Setting("brokerClientAuthenticationParameters", "***", true), params);
        assertEquals(1, view.stream().filter(Setting::secret).count());
        assertFalse(view.toString().contains("very-secret"));
        assertFalse(s.toString().contains("very-secret"), s.toString());
        assertEquals(
                "",
                settings().view(null).stream()
                        .filter(v -> v.key().equals("brokerClientAuthenticationParameters"))
                        .findFirst()
                        .orElseThrow()
                        .value(),
                "an empty secret shows empty");
        assertEquals(
                "configuration store (not read yet)",
                settings("serviceUrl", "", "zookeeperServers", "zk:h:1").view(null).stream()
                        .filter(v -> v.key().equals("brokersFrom"))
                        .findFirst()
                        .orElseThrow()
                        .value());
    }
}
