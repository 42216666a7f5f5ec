package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.EndpointPath;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.ConsumerCryptoFailureAction;
import org.apache.pulsar.client.api.MessageRoutingMode;
import org.apache.pulsar.client.api.SubscriptionMode;
import org.apache.pulsar.client.api.SubscriptionType;
import org.junit.jupiter.api.Test;

/** The endpoints' query parameters, read without Pulsar's client: defaults, bounds and every refusal. */
class OptionsTest {
    private static final SessionDefaults DEFAULTS = new SessionDefaults(1000, 500);
    private static final EndpointPath CONSUMER = EndpointPath.parse("/ws/v2/consumer/persistent/public/default/t/s");

    private static QueryParams q(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new QueryParams(m);
    }

    @Test
    void producerDefaultsAndBounds() {
        ProducerOptions o = ProducerOptions.parse(q(), DEFAULTS);
        assertEquals(0, o.sendTimeoutMillis(), "no send timeout unless asked for");
        assertEquals(1000, o.maxPendingMessages());
        assertFalse(o.batching());
        assertNull(o.batchingMaxMessages());
        assertNull(o.routingMode());
        o = ProducerOptions.parse(
                q(
                        "maxPendingMessages",
                        "5000",
                        "batchingEnabled",
                        "true",
                        "batchingMaxMessages",
                        "7",
                        "messageRoutingMode",
                        "CustomPartition",
                        "compressionType",
                        "LZ4",
                        "sendTimeoutMillis",
                        "3000"),
                DEFAULTS);
        assertEquals(1000, o.maxPendingMessages(), "a request may lower the bound, not lift it");
        assertEquals(7, o.batchingMaxMessages());
        assertEquals(1, o.batchingMaxPublishDelayMillis());
        assertNull(o.routingMode(), "CustomPartition has no router here: single partition");
        assertEquals(CompressionType.LZ4, o.compression());
        assertEquals(3000, o.sendTimeoutMillis());
        assertEquals(
                MessageRoutingMode.RoundRobinPartition,
                ProducerOptions.parse(q("messageRoutingMode", "RoundRobinPartition"), DEFAULTS)
                        .routingMode());
        assertEquals(
                5, ProducerOptions.parse(q("maxPendingMessages", "5"), DEFAULTS).maxPendingMessages());
    }

    @Test
    void producerRefusals() {
        for (String[] bad : List.of(
                new String[] {"hashingScheme", "Bogus"},
                new String[] {"compressionType", "GZIP"},
                new String[] {"sendTimeoutMillis", "-1"},
                new String[] {"batchingEnabled", "yes"},
                new String[] {"initialSequenceId", "x"},
                new String[] {"maxPendingMessages", "0"},
                new String[] {"producerName", "a\nb"})) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ProducerOptions.parse(q(bad), DEFAULTS), bad[0]);
            assertTrue(e.getMessage().startsWith("Invalid query params: "), e.getMessage());
        }
    }

    @Test
    void consumerDefaultsAndDeadLetters() {
        ConsumerOptions o = ConsumerOptions.parse(CONSUMER, q(), DEFAULTS);
        assertEquals(List.of("persistent://public/default/t"), o.topics());
        assertEquals("s", o.subscription());
        assertEquals(500, o.window());
        assertEquals(SubscriptionType.Exclusive, o.type());
        assertEquals(SubscriptionMode.Durable, o.mode());
        assertEquals(ConsumerCryptoFailureAction.FAIL, o.cryptoFailureAction());
        assertFalse(o.multiTopic());
        assertNull(o.deadLetterTopic());
        o = ConsumerOptions.parse(
                CONSUMER,
                q("receiverQueueSize", "0", "maxRedeliverCount", "3", "subscriptionType", "Shared", "pullMode", "true"),
                DEFAULTS);
        assertEquals(1, o.window(), "0 gives 1, as in Pulsar's service");
        assertEquals("persistent://public/default/t-s-DLQ", o.deadLetterTopic());
        assertEquals(3, o.maxRedeliverCount());
        assertTrue(o.pullMode());
        assertEquals(
                "persistent://public/default/dead",
                ConsumerOptions.parse(CONSUMER, q("maxRedeliverCount", "1", "deadLetterTopic", "dead"), DEFAULTS)
                        .deadLetterTopic());
        assertEquals(
                500,
                ConsumerOptions.parse(CONSUMER, q("receiverQueueSize", "99999"), DEFAULTS)
                        .window());
    }

    @Test
    void multiTopicConsumers() {
        EndpointPath v3 = EndpointPath.parse("/ws/v3/consumer/s");
        ConsumerOptions list = ConsumerOptions.parse(v3, q("topics", "a, persistent://t/n/b,"), DEFAULTS);
        assertTrue(list.multiTopic());
        assertEquals(List.of("persistent://public/default/a", "persistent://t/n/b"), list.topics());
        assertNull(list.singleTopic());
        assertEquals(
                "persistent://public/default/a",
                ConsumerOptions.parse(v3, q("topics", "a"), DEFAULTS).singleTopic());
        ConsumerOptions pattern =
                ConsumerOptions.parse(v3, q("topicsPattern", "persistent://public/default/t.*"), DEFAULTS);
        assertEquals("pattern persistent://public/default/t.*", pattern.description());
        for (QueryParams bad : List.of(
                q(), q("topics", "a", "topicsPattern", "b"), q("topics", " , "), q("topicsPattern", "(unclosed"))) {
            assertThrows(IllegalArgumentException.class, () -> ConsumerOptions.parse(v3, bad, DEFAULTS));
        }
    }

    @Test
    void consumerRefusals() {
        for (String[] bad : List.of(
                new String[] {"ackTimeoutMillis", "500"},
                new String[] {"subscriptionMode", "Bogus"},
                new String[] {"priorityLevel", "-1"},
                new String[] {"subscriptionInitialPosition", "Middle"},
                new String[] {"pullMode", "maybe"},
                new String[] {"negativeAckRedeliveryDelay", "x"},
                new String[] {"deadLetterTopic", "y"},
                new String[] {"maxRedeliverCount", "0"},
                new String[] {"cryptoFailureAction", "IGNORE"})) {
            assertThrows(
                    IllegalArgumentException.class, () -> ConsumerOptions.parse(CONSUMER, q(bad), DEFAULTS), bad[0]);
        }
    }

    @Test
    void readerStartPositions() {
        assertEquals(
                ReaderOptions.Start.LATEST, ReaderOptions.parse(q(), DEFAULTS).start());
        assertEquals(
                ReaderOptions.Start.EARLIEST,
                ReaderOptions.parse(q("messageId", "earliest"), DEFAULTS).start());
        assertArrayEquals(
                Base64.getDecoder().decode("CAMQADAA"),
                ReaderOptions.parse(q("messageId", "CAMQADAA"), DEFAULTS)
                        .start()
                        .messageId());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ReaderOptions.parse(q("messageId", "CAEQASAAMP////8H"), DEFAULTS));
        assertTrue(e.getMessage().contains("batch size 2147483647"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> ReaderOptions.parse(q("messageId", "not base64!"), DEFAULTS));
        assertThrows(
                IllegalArgumentException.class, () -> ReaderOptions.parse(q("messageId", "A".repeat(6000)), DEFAULTS));
    }

    /** Issue 21's review: a topicsPattern is bounded in length and in the shapes that backtrack without end. */
    @Test
    void aTopicsPatternIsBoundedBeforeItIsCompiled() {
        EndpointPath v3 = EndpointPath.parse("/ws/v3/consumer/s");
        for (String ok : new String[] {
            "persistent://public/default/t.*",
            "persistent://public/default/(orders|payments)-[0-9]+",
            "persistent://public/default/(?:a|b)?x*",
            "persistent://public/default/([a-z]+)-v2",
            "persistent://public/default/t\\(x+\\)+"
        }) {
            ConsumerOptions.parse(v3, q("topicsPattern", ok), DEFAULTS);
        }
        for (String bad : new String[] {
            "persistent://public/default/(a+)+b",
            "persistent://public/default/((ab)*c)*",
            "persistent://public/default/(x{2,}y)+",
            "persistent://public/default/(a)\\1",
            "persistent://public/default/" + "a".repeat(ConsumerOptions.MAX_PATTERN_LENGTH)
        }) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> ConsumerOptions.parse(v3, q("topicsPattern", bad), DEFAULTS));
            assertTrue(e.getMessage().startsWith("Invalid query params: topicsPattern"), e.getMessage());
        }
    }
}
