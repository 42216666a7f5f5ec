package io.pulsarws.session.internal;

import java.util.List;

/**
 * The prefetch bounds as configured ({@code maxPrefetchBytesPerSession}, {@code maxPrefetchBytesPerPrincipal},
 * {@code maxPrefetchBytes}); applied in place.
 *
 * @param perSession bytes a session's receive queues are sized to hold
 * @param perPrincipal bytes one principal's sessions may hold before it opens no more consumers or readers
 * @param node bytes the node's sessions may hold; 0: an eighth of the heap
 */
record PrefetchSettings(long perSession, long perPrincipal, long node) {
    /** The metatype's defaults: 4 MiB, 32 MiB, an eighth of the heap. */
    static final PrefetchSettings DEFAULT = new PrefetchSettings(4L << 20, 32L << 20, 0);

    /** The least a bound may be: one 64 KiB message. */
    static final long MIN = 64 << 10;

    /** Adds what is wrong with these values to {@code wrong}. */
    void check(List<String> wrong) {
        if (perSession < MIN || perPrincipal < MIN || (node != 0 && node < MIN)) {
            wrong.add("maxPrefetchBytesPerSession and maxPrefetchBytesPerPrincipal must be >= " + MIN
                    + ", maxPrefetchBytes 0 (an eighth of the heap) or >= " + MIN);
        }
    }

    /** @return the node's bound in bytes, with 0 read as an eighth of the heap */
    long nodeBytes() {
        return node != 0 ? node : Runtime.getRuntime().maxMemory() / 8;
    }

    /** @return the bounds {@link Prefetch} applies */
    Prefetch.Limits limits() {
        return new Prefetch.Limits(perSession, perPrincipal, nodeBytes());
    }
}
