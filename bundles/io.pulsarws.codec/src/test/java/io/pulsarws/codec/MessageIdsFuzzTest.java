package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Fuzzes {@link MessageIds#check}: ids Pulsar writes pass, anything else only ever fails with a plain reason. */
class MessageIdsFuzzTest {

    /** Any bytes: accepted, or refused with an IllegalArgumentException; nothing else is thrown. */
    @Property(tries = 5000)
    void arbitraryBytesAreAcceptedOrRefusedPlainly(@ForAll @Size(max = 80) byte[] bytes) {
        try {
            MessageIds.check(bytes);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
    }

    /** Valid ids with one byte changed or cut short: the same two outcomes. */
    @Property(tries = 5000)
    void mutatedIdsAreAcceptedOrRefusedPlainly(
            @ForAll("ids") byte[] id, @ForAll int position, @ForAll byte value, @ForAll boolean truncate) {
        int at = Math.floorMod(position, id.length);
        byte[] mutated = truncate ? java.util.Arrays.copyOf(id, at) : id.clone();
        if (!truncate) {
            mutated[at] = value;
        }
        try {
            MessageIds.check(mutated);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
    }

    /** Every id in the shape Pulsar writes, with a batch within the bound, is accepted. */
    @Property(tries = 3000)
    void idsInPulsarsShapeAreAccepted(@ForAll("ids") byte[] id) {
        MessageIds.check(id);
    }

    @Provide
    Arbitrary<byte[]> ids() {
        Arbitrary<Integer> size = Arbitraries.integers().between(0, MessageIds.MAX_BATCH_SIZE);
        return Combinators.combine(
                        Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.longs().greaterOrEqual(0),
                        Arbitraries.integers().between(-1, 10_000),
                        size,
                        Arbitraries.doubles().between(0, 1),
                        Arbitraries.strings().ofMaxLength(200).injectNull(0.5))
                .as((ledger, entry, partition, batchSize, where, topic) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    varintField(out, 1, ledger);
                    varintField(out, 2, entry);
                    varintField(out, 3, partition);
                    varintField(out, 4, batchSize == 0 ? -1 : (long) Math.min(batchSize - 1, where * batchSize));
                    varintField(out, 6, batchSize);
                    byte[] id = out.toByteArray();
                    return topic == null ? id : MessageIds.withTopic(id, topic);
                });
    }

    /** Writes a varint field as protobuf does (negative int32 values as ten bytes). */
    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        varint(out, (long) field << 3);
        varint(out, value);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
