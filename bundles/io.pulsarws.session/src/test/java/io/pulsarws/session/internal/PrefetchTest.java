package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pulsarws.session.OpenRefusedException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrefetchTest {
    private static final long MIB = 1L << 20;

    /** Receive queues whose content the test sets; records every resize. */
    static final class FakeQueues implements Prefetch.Queues {
        volatile long bytes;
        volatile int messages;
        volatile int count = 1;
        final List<Integer> sizes = new ArrayList<>();

        void hold(int messages, long each) {
            this.messages = messages;
            this.bytes = messages * each;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public int messages() {
            return messages;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public void resize(int perQueue) {
            sizes.add(perQueue);
        }
    }

    private final List<String> closed = new ArrayList<>();
    private final Prefetch prefetch = new Prefetch(new Prefetch.Limits(4 * MIB, 32 * MIB, 64 * MIB));

    private Prefetch.Window open(String owner, FakeQueues q, int window) {
        return prefetch.open(owner, q, window, (code, reason) -> closed.add(owner + " " + code));
    }

    @Test
    void queuesStartAtTwoMessagesAndAreSizedInBytesFromTheFirst() {
        FakeQueues small = new FakeQueues();
        Prefetch.Window s = open("a", small, 1000);
        assertEquals(2, s.size());
        s.taken(100); // 4 MiB of 100-byte messages is more than the window: the window bounds it
        assertEquals(List.of(1000), small.sizes);

        FakeQueues large = new FakeQueues();
        Prefetch.Window l = open("a", large, 1000);
        l.taken(700_000);
        assertEquals(List.of(5), large.sizes, "4 MiB / 700 KB");
        l.taken(5 * MIB);
        assertEquals(List.of(5, 2), large.sizes, "at least two messages, however large");
        l.taken(1000);
        assertEquals(List.of(5, 2), large.sizes, "the largest seen decides: a smaller one changes nothing");
    }

    @Test
    void aQueueHoldingLargerMessagesThanItTookShrinksAtTheNextTick() {
        FakeQueues q = new FakeQueues();
        Prefetch.Window w = open("a", q, 1000);
        w.taken(1000); // sized for 1 KB messages: 1000 of them
        q.hold(3, 1 * MIB); // then 1 MiB ones arrive, not yet taken
        prefetch.tick();
        assertEquals(List.of(1000, 4), q.sizes);
        assertEquals(3 * MIB, prefetch.held());
        assertEquals(3 * MIB, prefetch.held("a"));
        assertEquals(List.of(), closed);
    }

    @Test
    void aSessionHoldingMoreThanTwiceItsAllowanceIsClosed() {
        FakeQueues q = new FakeQueues();
        Prefetch.Window w = open("a", q, 1000);
        w.taken(1000);
        q.hold(8, 1 * MIB); // 8 MiB: twice the 4 MiB allowance, not more
        prefetch.tick();
        assertEquals(List.of(), closed);
        q.hold(9, 1 * MIB);
        prefetch.tick();
        assertEquals(List.of("a 1008"), closed);
        assertEquals(1, prefetch.closedOverWindow());
        assertEquals(0, prefetch.held(), "a closed session is no longer counted");
        prefetch.tick();
        assertEquals(List.of("a 1008"), closed, "closed once");
    }

    @Test
    void twoMessagesLargerThanTheWindowAreAlwaysAllowedPerQueue() {
        FakeQueues q = new FakeQueues();
        q.count = 3; // a consumer of two topics: their queues and its own
        Prefetch.Window w = open("a", q, 1000);
        q.hold(3, 5 * MIB); // one 5 MiB message in each queue
        prefetch.tick();
        assertEquals(List.of(), closed, "allowance = 3 queues x 2 messages x 5 MiB");
        assertEquals(2, w.size());
        assertEquals(List.of(), q.sizes, "two messages each, as they started");
    }

    @Test
    void aWindowIsDividedAmongTheQueues() {
        FakeQueues q = new FakeQueues();
        q.count = 5;
        Prefetch.Window w = open("a", q, 1000);
        w.taken(100 << 10);
        assertEquals(List.of(8), q.sizes, "4 MiB / 5 queues / 100 KiB");
    }

    @Test
    void aPrincipalAtItsBoundOpensNoMoreAndItsQueuesDoNotGrow() throws Exception {
        List<FakeQueues> queues = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            FakeQueues q = new FakeQueues();
            open("a", q, 1000).taken(1 * MIB);
            q.hold(4, 1 * MIB);
            queues.add(q);
        }
        prefetch.admit("a");
        prefetch.tick(); // 36 MiB held by a
        OpenRefusedException e = assertThrows(OpenRefusedException.class, () -> prefetch.admit("a"));
        assertEquals(429, e.status());
        prefetch.admit("b"); // others are not affected

        FakeQueues more = new FakeQueues();
        Prefetch.Window grown = open("a", more, 1000); // opened before the tick saw a over its bound
        more.hold(1, 1000);
        prefetch.tick();
        assertEquals(List.of(), more.sizes, "a queue of a principal over its bound does not grow");
        grown.taken(1000);
        prefetch.tick();
        assertEquals(List.of(), more.sizes);

        for (FakeQueues q : queues) {
            q.hold(0, 0); // its clients read
        }
        more.hold(0, 0);
        prefetch.tick();
        prefetch.admit("a");
        prefetch.tick(); // a tick decides growth from what the one before it read
        assertEquals(List.of(1000), more.sizes, "grows once the principal is below its bound");
    }

    @Test
    void aNodeAtItsBoundRefusesPrincipalsHoldingSomething() throws Exception {
        Prefetch p = new Prefetch(new Prefetch.Limits(4 * MIB, 32 * MIB, 10 * MIB));
        for (int i = 0; i < 3; i++) {
            FakeQueues q = new FakeQueues();
            p.open("p" + i, q, 1000, (c, r) -> closed.add("closed")).taken(1 * MIB);
            q.hold(4, 1 * MIB);
        }
        p.tick(); // 12 MiB on the node
        OpenRefusedException e = assertThrows(OpenRefusedException.class, () -> p.admit("p0"));
        assertEquals(503, e.status());
        p.admit("fresh"); // a principal holding nothing still opens: the node serves everyone else
        assertEquals(List.of(), closed);
    }

    @Test
    void aClosedWindowIsForgotten() {
        FakeQueues q = new FakeQueues();
        Prefetch.Window w = open("a", q, 1000);
        q.hold(2, 1000);
        prefetch.tick();
        assertEquals(2000, prefetch.held());
        w.close();
        prefetch.tick();
        assertEquals(0, prefetch.held());
    }
}
