package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.MessageIds;
import java.io.IOException;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.apache.pulsar.client.impl.BatchMessageIdImpl;
import org.apache.pulsar.client.impl.ChunkMessageIdImpl;
import org.apache.pulsar.client.impl.MessageIdImpl;

/**
 * {@link MessageIds#check} against the real Pulsar client: every id Pulsar writes passes it, and whatever passes
 * it makes Pulsar's parser allocate for at most {@link MessageIds#MAX_BATCH_SIZE} messages.
 */
class MessageIdCheckFuzzTest {

    @Property(tries = 3000)
    void everyIdPulsarWritesIsAccepted(@ForAll("pulsarIds") MessageId id) {
        MessageIds.check(id.toByteArray());
        MessageIds.check(MessageIds.withTopic(id.toByteArray(), "persistent://public/default/t-partition-3"));
    }

    @Property(tries = 5000)
    void whatPassesTheCheckIsParsedByPulsarWithinTheBound(
            @ForAll("pulsarIds") MessageId id, @ForAll int position, @ForAll byte value, @ForAll boolean truncate) {
        byte[] bytes = id.toByteArray();
        int at = Math.floorMod(position, bytes.length);
        byte[] mutated = truncate ? Arrays.copyOf(bytes, at) : bytes.clone();
        if (!truncate) {
            mutated[at] = value;
        }
        try {
            MessageIds.check(mutated);
        } catch (IllegalArgumentException refused) {
            return;
        }
        try {
            MessageId parsed = MessageId.fromByteArray(mutated);
            if (parsed instanceof MessageIdAdv adv) {
                assertTrue(adv.getBatchSize() <= MessageIds.MAX_BATCH_SIZE, "batch size " + adv.getBatchSize());
            }
        } catch (IOException | RuntimeException e) {
            // Pulsar refusing what we let through is fine (the session answers 4003); allocating is not
        }
    }

    @Provide
    Arbitrary<MessageId> pulsarIds() {
        Arbitrary<Long> ledger = Arbitraries.longs().between(-1, Long.MAX_VALUE);
        Arbitrary<Long> entry = Arbitraries.longs().between(-1, Long.MAX_VALUE);
        Arbitrary<Integer> partition = Arbitraries.integers().between(-1, 5000);
        Arbitrary<MessageId> plain =
                Combinators.combine(ledger, entry, partition).as(MessageIdImpl::new);
        Arbitrary<MessageId> batch = Combinators.combine(
                        ledger,
                        entry,
                        partition,
                        Arbitraries.integers().between(1, MessageIds.MAX_BATCH_SIZE),
                        Arbitraries.doubles().between(0, 1))
                .as((l, e, p, size, where) ->
                        new BatchMessageIdImpl(l, e, p, (int) Math.min(size - 1, where * size), size, null));
        Arbitrary<MessageId> chunk = Combinators.combine(ledger, entry, partition)
                .as((l, e, p) -> new ChunkMessageIdImpl(new MessageIdImpl(l, e, p), new MessageIdImpl(l, e + 3, p)));
        return Arbitraries.oneOf(plain, batch, chunk).injectDuplicates(0.01);
    }
}
