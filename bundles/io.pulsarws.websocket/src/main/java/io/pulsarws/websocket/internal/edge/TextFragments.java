package io.pulsarws.websocket.internal.edge;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Copies a text message's bytes off the transport's buffer, joining those a client sent in several pieces (frames,
 * or the parts of one frame as its bytes arrive), within a size limit for the whole message (the transport limits
 * each frame, not their sum). The buffer that joins them is charged to the client's {@link Receiving} account before
 * it is allocated or grown, and given back once the message is complete or dropped. Used by one connection's reading
 * thread only; {@link #discard} may come from any thread.
 */
public final class TextFragments {
    private static final byte[] EMPTY = new byte[0];

    private final int maxBytes;
    /** What the joining buffer is charged to, or null for no charge. */
    private final Receiving.Account account;
    /** The fragments so far, or null between messages. */
    private byte[] joined;

    private int size;

    /** @param maxBytes the limit of a whole message, in bytes */
    public TextFragments(int maxBytes) {
        this(maxBytes, null);
    }

    /**
     * @param maxBytes the limit of a whole message, in bytes
     * @param account what the joining buffer is charged to, or null
     */
    public TextFragments(int maxBytes, Receiving.Account account) {
        this.maxBytes = maxBytes;
        this.account = account;
    }

    /**
     * @param payload the bytes of one frame (read from its position to its limit; null for none), valid only
     *     during the call: they are copied
     * @param fin true for the last frame of the message
     * @return the whole message once {@code fin}, otherwise null
     * @throws TooLargeException when the message so far is over the limit (what was joined is dropped)
     * @throws OverBudgetException when the buffer the message needs does not fit the account's bounds (what was
     *     joined is dropped)
     */
    public byte[] add(ByteBuffer payload, boolean fin) throws TooLargeException, OverBudgetException {
        int n = payload == null ? 0 : payload.remaining();
        if (fin && joined == null) {
            // the usual case: a message in one frame, copied once
            if (n > maxBytes) {
                throw new TooLargeException();
            }
            if (n == 0) {
                return EMPTY;
            }
            byte[] whole = new byte[n];
            payload.get(whole);
            return whole;
        }
        if (joined == null) {
            size = 0;
        }
        if (n > maxBytes - size) {
            drop();
            throw new TooLargeException();
        }
        if (joined == null) {
            int first = Math.min(Math.max(n, 256), maxBytes);
            charge(first);
            joined = new byte[first];
        }
        if (size + n > joined.length) {
            // doubling, up to the limit: a message of the limit's size is copied O(log) times, never more held
            int grown = (int) Math.min(maxBytes, Math.max(size + n, 2L * joined.length));
            charge(grown - joined.length);
            joined = Arrays.copyOf(joined, grown);
        }
        if (n > 0) {
            payload.get(joined, size, n);
            size += n;
        }
        if (!fin) {
            return null;
        }
        byte[] whole = Arrays.copyOf(joined, size);
        drop();
        return whole;
    }

    /** Takes {@code bytes} more from the account, or drops the message so far. */
    private void charge(int bytes) throws OverBudgetException {
        if (account == null) {
            return;
        }
        Receiving.Verdict v = account.take(bytes);
        if (v != Receiving.Verdict.TAKEN) {
            drop();
            throw new OverBudgetException(v);
        }
    }

    /** Forgets the message so far and gives its buffer back. */
    private void drop() {
        joined = null;
        if (account != null) {
            account.giveBack();
        }
    }

    /** The connection is gone: whatever is held (or charged by a racing {@link #add}) is given back. */
    public void discard() {
        if (account != null) {
            account.close();
        }
    }

    /** @return the bytes of buffer this connection holds for a message being received */
    public long held() {
        return account == null ? 0 : account.held();
    }

    /** A message whose buffer would break its principal's or the node's bound for bytes being received. */
    public static final class OverBudgetException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Receiving.Verdict verdict;

        public OverBudgetException(Receiving.Verdict verdict) {
            super(null, null, false, false);
            this.verdict = verdict;
        }

        /** @return which bound: {@link Receiving.Verdict#OVER_PRINCIPAL} or {@link Receiving.Verdict#OVER_NODE} */
        public Receiving.Verdict verdict() {
            return verdict;
        }
    }

    /** A message over the limit. */
    public static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        public TooLargeException() {
            super(null, null, false, false);
        }
    }

    /** @return the UTF-8 length of a string (Jetty limits messages, and budgets count frames, in bytes) */
    public static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
