package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClusterDiscoveryTest {
    /** As Pulsar 4.0.7 standalone writes /admin/clusters/standalone in ZooKeeper. */
    private static final String CLUSTER_DATA = "{\"brokerServiceUrl\":\"pulsar://127.0.0.1:36035\","
            + "\"brokerClientTlsEnabled\":false,\"tlsAllowInsecureConnection\":false,"
            + "\"brokerClientSslFactoryPlugin\":\"org.apache.pulsar.common.util.DefaultPulsarSslFactory\","
            + "\"proxyProtocol\":null,\"properties\":{\"a\":\"b\"},\"brokerServiceUrlTls\":\"pulsar+ssl://h:6651\","
            + "\"serviceUrl\":\"http://127.0.0.1:43859\"}";

    @Test
    void readsTheBrokerServiceUrlOfClusterData() {
        byte[] json = CLUSTER_DATA.getBytes(StandardCharsets.UTF_8);
        assertEquals("pulsar://127.0.0.1:36035", ClusterDiscovery.serviceUrl(json, false));
        assertEquals("pulsar+ssl://h:6651", ClusterDiscovery.serviceUrl(json, true));
    }

    @Test
    void noUsableUrlGivesNull() {
        assertNull(ClusterDiscovery.serviceUrl(
                "{\"serviceUrl\":\"http://h:8080\"}".getBytes(StandardCharsets.UTF_8), false));
        assertNull(ClusterDiscovery.serviceUrl("{\"brokerServiceUrl\":\" \"}".getBytes(StandardCharsets.UTF_8), false));
        assertNull(ClusterDiscovery.serviceUrl("not json".getBytes(StandardCharsets.UTF_8), false));
        assertNull(ClusterDiscovery.serviceUrl(new byte[0], false));
    }
}
