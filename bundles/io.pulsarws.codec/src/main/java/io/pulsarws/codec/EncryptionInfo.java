package io.pulsarws.codec;

import java.util.Map;

/**
 * What a client needs to decrypt a message the gateway delivers still encrypted ({@code cryptoFailureAction=CONSUME}),
 * written as the pushed message's {@code encryptionContext}.
 *
 * @param keys the encrypted data keys by key name
 * @param param the encryption parameter (initialization vector)
 * @param algorithm the algorithm, or null
 * @param compressionType the compression applied before encryption, e.g. {@code NONE} or {@code LZ4}
 * @param uncompressedMessageSize the payload size before compression
 * @param batchSize the number of messages in the encrypted batch, or null if it was not batched
 */
public record EncryptionInfo(
        Map<String, Key> keys,
        byte[] param,
        String algorithm,
        String compressionType,
        int uncompressedMessageSize,
        Integer batchSize) {

    /**
     * One encrypted data key.
     *
     * @param keyValue the data key, encrypted with the named public key
     * @param metadata the key's metadata
     */
    public record Key(byte[] keyValue, Map<String, String> metadata) {}
}
