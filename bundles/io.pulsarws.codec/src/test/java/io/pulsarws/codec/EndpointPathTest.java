package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pulsarws.codec.EndpointPath.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointPathTest {

    @Test
    void parsesTheApiPageV1Paths() {
        assertEquals(
                new EndpointPath(Kind.PRODUCER, 1, "persistent://sample/standalone/ns1/my-topic", null),
                EndpointPath.parse("/ws/producer/persistent/sample/standalone/ns1/my-topic"));
        assertEquals(
                new EndpointPath(Kind.CONSUMER, 1, "persistent://sample/standalone/ns1/my-topic", "my-sub"),
                EndpointPath.parse("/ws/consumer/persistent/sample/standalone/ns1/my-topic/my-sub"));
    }

    @Test
    void parsesV2Paths() {
        assertEquals(
                new EndpointPath(Kind.PRODUCER, 2, "non-persistent://public/default/t", null),
                EndpointPath.parse("/ws/v2/producer/non-persistent/public/default/t"));
        assertEquals(
                new EndpointPath(Kind.CONSUMER, 2, "persistent://public/default/t", "s"),
                EndpointPath.parse("/ws/v2/consumer/persistent/public/default/t/s"));
        assertEquals(
                new EndpointPath(Kind.READER, 2, "persistent://public/default/t", null),
                EndpointPath.parse("/ws/v2/reader/persistent/public/default/t"));
    }

    @Test
    void parsesV3MultiTopicConsumerPaths() {
        assertEquals(
                new EndpointPath(Kind.CONSUMER, 3, null, "my sub"), EndpointPath.parse("/ws/v3/consumer/my%20sub"));
        for (String bad : List.of("/ws/v3/consumer/", "/ws/v3/consumer", "/ws/v3/producer/s", "/ws/v3/consumer/s/x")) {
            assertThrows(IllegalArgumentException.class, () -> EndpointPath.parse(bad), bad);
        }
    }

    @Test
    void decodesEachSegmentAndJoinsMultiSegmentTopics() {
        assertEquals(
                "persistent://public/default/a/b c+d",
                EndpointPath.parse("/ws/v2/producer/persistent/public/default/a/b%20c+d")
                        .topic());
        EndpointPath consumer = EndpointPath.parse("/ws/v2/consumer/persistent/public/default/a%2Fb/my%20sub");
        assertEquals("persistent://public/default/a/b", consumer.topic());
        assertEquals("my sub", consumer.subscription());
        assertNull(EndpointPath.parse("/ws/v2/producer/persistent/public/default/x")
                .subscription());
    }

    @Test
    void rejectsMalformedPaths() {
        for (String bad : List.of(
                "/ws/v2/producer/persistent/public",
                "/ws/v2/consumer/persistent/public/default/t",
                "/ws/v2/consumer/persistent/public/default/t/",
                "/ws/v2/producer/bogus/public/default/t",
                "/ws/v2/pusher/persistent/public/default/t",
                "/other/v2/producer/persistent/public/default/t",
                "/ws/producer/persistent/sample/standalone/ns1",
                "/ws",
                "/ws/v2",
                "/ws/v2/producer/persistent/pub%2Flic/default/t")) {
            assertThrows(IllegalArgumentException.class, () -> EndpointPath.parse(bad), bad);
        }
    }
}
