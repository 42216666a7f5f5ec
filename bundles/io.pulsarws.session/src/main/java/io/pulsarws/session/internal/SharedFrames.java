package io.pulsarws.session.internal;

import io.pulsarws.codec.PayloadFormat;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The frames of the messages delivered lately, shared by every consumer and reader of the node, so that a message
 * fanned out to many sessions (readers of one topic, one subscription each) in the same format is encoded once: the
 * first session to deliver it encodes it, the others find its frame here. A frame depends only on the message and on
 * the session's payload format and the message's redelivery count, which are part of the key; the sessions that
 * would write anything else (schema-decoded JSON, encrypted payloads) do not share.
 *
 * <p>Bounded whatever the traffic: {@link #SLOTS} entries, direct-mapped (a newer frame takes its slot from an older
 * one), each at most {@link #MAX_CHARS} characters: at most 8 Mi characters are held for sharing. A miss costs one
 * encoding, as before. Lock-free; any thread.
 */
final class SharedFrames {
    static final int SLOTS = 1024;
    static final int MAX_CHARS = 8192;

    /** What a frame is made of besides the message's own content. */
    record Key(String topic, String messageId, int redeliveryCount, PayloadFormat format) {}

    private record Entry(Key key, String frame) {}

    private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);
    private final LongAdder hits = new LongAdder();

    /** @return the frame kept for this key, or null */
    String get(Key key) {
        Entry e = slots.get(slot(key));
        if (e != null && e.key().equals(key)) {
            hits.increment();
            return e.frame();
        }
        return null;
    }

    /** Keeps a frame for the sessions that deliver the same message next (not one over {@link #MAX_CHARS}). */
    void put(Key key, String frame) {
        if (frame.length() <= MAX_CHARS) {
            slots.set(slot(key), new Entry(key, frame));
        }
    }

    /** @return frames found here instead of being encoded, since the start */
    long hits() {
        return hits.sum();
    }

    private static int slot(Key key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & (SLOTS - 1);
    }
}
