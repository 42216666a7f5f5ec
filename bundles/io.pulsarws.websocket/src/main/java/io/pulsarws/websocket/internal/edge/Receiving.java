package io.pulsarws.websocket.internal.edge;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the node holds of messages and request bodies still being received, in bytes of buffer: a text message a
 * client sends in pieces (fragments, or one frame whose bytes trickle in), a POST body of the HTTP fallback. Charged
 * to the client's principal (its role, or its address without authentication) and to the node, before a buffer is
 * allocated or grown, and given back when the message is complete or dropped, so that one principal's many slow
 * senders cannot fill the heap that others are served from. Each map entry lives only while it holds bytes.
 */
public final class Receiving {
    /** What a charge found. */
    public enum Verdict {
        TAKEN,
        /** The principal already holds its bound. */
        OVER_PRINCIPAL,
        /** The node already holds its bound. */
        OVER_NODE
    }

    private final AtomicLong held = new AtomicLong();
    /** Messages and bodies refused at a principal's bound, and at the node's, since the endpoints started. */
    private final AtomicLong refusedPrincipal = new AtomicLong();

    private final AtomicLong refusedNode = new AtomicLong();
    private final ConcurrentHashMap<String, AtomicLong> perOwner = new ConcurrentHashMap<>();

    /**
     * @param owner whom the bytes are charged to: {@code "role " + role}, or {@code "address " + address}
     * @param maxPerOwner the principal's bound, 0 for none
     * @param maxNode the node's bound, 0 for none
     * @return an account for one message or body being received
     */
    public Account account(String owner, long maxPerOwner, long maxNode) {
        return new Account(owner, maxPerOwner, maxNode);
    }

    /** @return the bytes held for every message and body being received on the node */
    public long held() {
        return held.get();
    }

    /** @return messages and bodies refused because their principal held its bound */
    public long refusedAtPrincipal() {
        return refusedPrincipal.get();
    }

    /** @return messages and bodies refused because the node held its bound */
    public long refusedAtNode() {
        return refusedNode.get();
    }

    /** @return the bytes held for one principal */
    long of(String owner) {
        AtomicLong n = perOwner.get(owner);
        return n == null ? 0 : n.get();
    }

    /** @return how many principals hold bytes now */
    int owners() {
        return perOwner.size();
    }

    private Verdict take(String owner, long bytes, long maxPerOwner, long maxNode) {
        if (held.addAndGet(bytes) > maxNode && maxNode > 0) {
            held.addAndGet(-bytes);
            refusedNode.incrementAndGet();
            return Verdict.OVER_NODE;
        }
        AtomicLong mine = perOwner.compute(owner, (o, n) -> {
            AtomicLong c = n == null ? new AtomicLong() : n;
            c.addAndGet(bytes);
            return c;
        });
        if (maxPerOwner > 0 && mine.get() > maxPerOwner) {
            give(owner, bytes);
            refusedPrincipal.incrementAndGet();
            return Verdict.OVER_PRINCIPAL;
        }
        return Verdict.TAKEN;
    }

    private void give(String owner, long bytes) {
        if (bytes == 0) {
            return;
        }
        held.addAndGet(-bytes);
        perOwner.computeIfPresent(owner, (o, n) -> n.addAndGet(-bytes) <= 0 ? null : n);
    }

    /**
     * One connection's (or request's) share: what it holds, given back all at once. {@link #take} is called by one
     * thread at a time (the connection's reader); {@link #close} may come from any thread, once, and gives back
     * whatever is held then or taken after.
     */
    public final class Account {
        private final String owner;
        private final long maxPerOwner;
        private final long maxNode;
        private final AtomicLong mine = new AtomicLong();
        private final AtomicBoolean closed = new AtomicBoolean();

        private Account(String owner, long maxPerOwner, long maxNode) {
            this.owner = owner;
            this.maxPerOwner = maxPerOwner;
            this.maxNode = maxNode;
        }

        /** @return TAKEN if {@code bytes} more fit (they are held then), else which bound they would break */
        public Verdict take(long bytes) {
            Verdict v = Receiving.this.take(owner, bytes, maxPerOwner, maxNode);
            if (v == Verdict.TAKEN) {
                mine.addAndGet(bytes);
                if (closed.get()) { // closed meanwhile: whoever sees the bytes gives them back, once
                    giveBack();
                }
            }
            return v;
        }

        /** Gives back what is held (a message completed or dropped); the account stays usable. */
        public void giveBack() {
            give(owner, mine.getAndSet(0));
        }

        /** The connection is gone: gives back what it holds and whatever a racing {@link #take} adds. */
        public void close() {
            closed.set(true);
            giveBack();
        }

        /** @return the bytes this account holds */
        public long held() {
            return mine.get();
        }
    }
}
