package io.pulsarws.session.internal;

import io.pulsarws.codec.EncryptionInfo;
import io.pulsarws.codec.PayloadFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.MessageRoutingMode;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;

/** Builds the Pulsar producer a producer session's options describe: schema, batching, routing, bounds, encryption. */
final class ProducerSetup {
    /** Room above the session's bound in the Pulsar producer's own queue (see {@link #create}). */
    private static final int PENDING_BACKSTOP = 1000;

    private ProducerSetup() {}

    /** Creates the Pulsar producer the options describe; completes with the session, not yet started. */
    static CompletableFuture<ProducerSession> create(
            SessionContext context, PulsarClient client, String topic, ProducerOptions o, String remoteAddress) {
        // with payloadFormat=json the producer takes the topic's schema (AUTO_PRODUCE_BYTES looks it up before it
        // connects), so that values are checked against it here and stored with its version, under the broker's
        // compatibility rules; any other format produces bytes with no schema, as Pulsar's service does
        Schema<byte[]> schema = o.payloadFormat() == PayloadFormat.JSON ? Schema.AUTO_PRODUCE_BYTES() : Schema.BYTES;
        ProducerBuilder<byte[]> b = client.newProducer(schema)
                .topic(topic)
                .enableBatching(o.batching())
                .blockIfQueueFull(false) // a WebSocket thread must never block: the session pauses its client instead
                .messageRoutingMode(o.routingMode() == null ? MessageRoutingMode.SinglePartition : o.routingMode())
                // no send timeout unless the client asks for one (Pulsar's client has 30 s): a send that times out
                // may still be stored, so its result can only say "unknown"; without one, a partition holds the
                // producer back (the session stops reading its client) and every result it gives is the truth
                .sendTimeout(o.sendTimeoutMillis(), TimeUnit.MILLISECONDS)
                // the session stops reading its client at its bound, so Pulsar's own bound (which would refuse) is
                // only a backstop above it, for the few frames Jetty parses before a pause takes effect
                .maxPendingMessages(o.maxPendingMessages() + PENDING_BACKSTOP);
        if (o.producerName() != null) {
            b.producerName(o.producerName());
        }
        if (o.initialSequenceId() != null) {
            b.initialSequenceId(o.initialSequenceId());
        }
        if (o.hashingScheme() != null) {
            b.hashingScheme(o.hashingScheme());
        }
        if (o.batching()) {
            if (o.batchingMaxMessages() != null) {
                b.batchingMaxMessages(o.batchingMaxMessages());
            }
            b.batchingMaxPublishDelay(o.batchingMaxPublishDelayMillis(), TimeUnit.MILLISECONDS);
        }
        if (o.compression() != null) {
            b.compressionType(o.compression());
        }
        boolean clientEncrypted = o.encryptionKeys() != null && encryption(context, b, o.encryptionKeys());
        return b.createAsync()
                .thenApply(p -> new ProducerSession(
                        context,
                        p,
                        topic,
                        clientEncrypted,
                        remoteAddress,
                        o.maxPendingMessages(),
                        o.payloadFormat(),
                        schema == Schema.BYTES
                                ? TopicSchema.NONE
                                : context.schemas().of(schema.getSchemaInfo())));
    }

    /**
     * Sets up encryption: client-side keys (PIP-290, base64 JSON) or server-side key names.
     *
     * @return true for client-side encryption (frames then carry their IV)
     */
    private static boolean encryption(SessionContext context, ProducerBuilder<byte[]> b, String encryptionKeys) {
        Map<String, EncryptionInfo.Key> keys = context.codec().decodeClientEncryptionKeys(encryptionKeys);
        if (keys != null) {
            ClientSideEncryption crypto = new ClientSideEncryption(keys);
            // the client encrypted (and maybe compressed) already: publish the bytes as they are, one per entry
            b.enableBatching(false)
                    .enableChunking(false)
                    .compressionType(CompressionType.NONE)
                    .cryptoKeyReader(ClientSideEncryption.NO_KEYS)
                    .messageCrypto(crypto);
            crypto.keyNames().forEach(b::addEncryptionKey);
            return true;
        }
        CryptoKeyReader reader = context.keyReader().get();
        if (reader == null) {
            throw new IllegalArgumentException("Invalid query params: encryptionKeys names server-side keys, "
                    + "but no CryptoKeyReader service is registered; for client-side encryption send base64 of "
                    + "{\"<keyName>\":{\"keyValue\":\"<base64>\",\"metadata\":{}}}");
        }
        b.cryptoKeyReader(reader);
        for (String keyName : encryptionKeys.split(",")) {
            if (!keyName.isBlank()) {
                b.addEncryptionKey(keyName.trim());
            }
        }
        return false;
    }
}
