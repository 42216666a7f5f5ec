package io.pulsarws.session.internal;

import io.pulsarws.codec.EncryptionInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pulsar.client.api.CryptoKeyReader;
import org.apache.pulsar.client.api.EncryptionKeyInfo;
import org.apache.pulsar.client.api.MessageCrypto;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;

/**
 * Client-side end-to-end encryption (PIP-290): the WebSocket client encrypted the payload itself, so the producer
 * publishes it unchanged and only writes the client's encrypted data keys (from the {@code encryptionKeys} query
 * parameter) and the frame's IV and compression into the message metadata. The per-message values travel from
 * the frame to {@link #encrypt} in reserved message properties, which are removed there again.
 */
final class ClientSideEncryption implements MessageCrypto<MessageMetadata, MessageMetadata> {
    static final String PARAM = "__pulsarws.encryptionParam";
    static final String COMPRESSION = "__pulsarws.compressionType";
    static final String UNCOMPRESSED_SIZE = "__pulsarws.uncompressedMessageSize";

    /** The client holds the keys: the gateway never reads one. */
    static final CryptoKeyReader NO_KEYS = new CryptoKeyReader() {
        @Override
        public EncryptionKeyInfo getPublicKey(String keyName, Map<String, String> metadata) {
            return null;
        }

        @Override
        public EncryptionKeyInfo getPrivateKey(String keyName, Map<String, String> metadata) {
            return null;
        }
    };

    private final Map<String, EncryptionInfo.Key> keys;

    ClientSideEncryption(Map<String, EncryptionInfo.Key> keys) {
        this.keys = Map.copyOf(keys);
    }

    Set<String> keyNames() {
        return keys.keySet();
    }

    @Override
    public void addPublicKeyCipher(Set<String> keyNames, CryptoKeyReader keyReader) {
        // nothing to load: the data keys come encrypted from the client
    }

    @Override
    public boolean removeKeyCipher(String keyName) {
        return true;
    }

    @Override
    public int getMaxOutputSize(int inputLen) {
        return inputLen;
    }

    @Override
    public boolean decrypt(
            Supplier<MessageMetadata> metadata, ByteBuffer payload, ByteBuffer outBuffer, CryptoKeyReader keyReader) {
        outBuffer.put(payload);
        outBuffer.flip();
        return true;
    }

    @Override
    public void encrypt(
            Set<String> encKeys,
            CryptoKeyReader keyReader,
            Supplier<MessageMetadata> metadataSupplier,
            ByteBuffer payload,
            ByteBuffer outBuffer)
            throws PulsarClientException {
        outBuffer.put(payload);
        outBuffer.flip();
        MessageMetadata metadata = metadataSupplier.get();
        metadata.clearEncryptionKeys();
        for (Map.Entry<String, EncryptionInfo.Key> k : keys.entrySet()) {
            var key = metadata.addEncryptionKey()
                    .setKey(k.getKey())
                    .setValue(k.getValue().keyValue());
            k.getValue()
                    .metadata()
                    .forEach((name, value) -> key.addMetadata().setKey(name).setValue(value));
        }
        List<String[]> kept = new ArrayList<>();
        for (int i = 0; i < metadata.getPropertiesCount(); i++) {
            KeyValue kv = metadata.getPropertyAt(i);
            switch (kv.getKey()) {
                case PARAM ->
                    metadata.setEncryptionParam(java.util.Base64.getDecoder().decode(kv.getValue()));
                case COMPRESSION -> metadata.setCompression(CompressionType.valueOf(kv.getValue()));
                case UNCOMPRESSED_SIZE -> metadata.setUncompressedSize(Integer.parseInt(kv.getValue()));
                default -> kept.add(new String[] {kv.getKey(), kv.getValue()});
            }
        }
        metadata.clearProperties();
        for (String[] kv : kept) {
            metadata.addProperty().setKey(kv[0]).setValue(kv[1]);
        }
    }
}
