package io.pulsarws.session.internal;

import io.pulsarws.codec.FrameCodec;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.pulsar.client.api.CryptoKeyReader;

/**
 * What a session needs of the gateway, and nothing else of it: sessions get this, not the component, so that they
 * can be built in a unit test.
 *
 * @param codec reads and writes the frames
 * @param metrics the per-namespace counters
 * @param ids hands out session ids
 * @param keyReader the operator's key reader for server-side encryption, or null
 * @param batchAcks the node's batch-ack bookkeeping
 * @param sendBudget the node's producer memory
 * @param schemas the node's topic schemas, for {@code payloadFormat=json}
 * @param prefetch the node's bound on what consumers and readers receive ahead of their clients
 * @param frames the frames of messages delivered lately, shared so that a fan-out encodes each once
 * @param onClosed told once when a session is closed (it leaves the registry, releases its credential lease)
 */
record SessionContext(
        FrameCodec codec,
        NamespaceMetrics metrics,
        LongSupplier ids,
        Supplier<CryptoKeyReader> keyReader,
        BatchAcks batchAcks,
        SendBudget sendBudget,
        Schemas schemas,
        Prefetch prefetch,
        SharedFrames frames,
        Consumer<AbstractSession> onClosed) {}
