package io.pulsarws.itests;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Jepsen-style at-least-once checker of the gateway. Producers send unique, numbered messages with a window of
 * results in flight and record each outcome; consumers record every delivery, ack after recording, and reconnect
 * whenever their socket closes, to any of the gateway nodes, as a careful client would. The verdict compares what
 * was acknowledged with what was delivered, per subscription:
 * <ul>
 * <li><b>lost</b>: answered {@code ok} but never delivered (must be 0);
 * <li><b>lies</b>: answered {@code send-error} without {@code "outcome":"unknown"} but delivered (must be 0);
 * <li><b>phantom</b>: delivered but never sent (must be 0);
 * <li>duplicates and what became of indeterminate sends (no answer, or outcome unknown) are counted, not judged.
 * </ul>
 * Frames are read with plain string matching, not a JSON library: a feature reinstall may take Jackson away from the
 * test's bundle for a moment. All loops are bounded by the checker's life and by deadlines.
 */
final class Checker implements AutoCloseable {
    /** What a producer learned of one send. */
    enum Outcome {
        NO_ANSWER,
        OK,
        REFUSED,
        UNKNOWN
    }

    private static final Pattern CONTEXT = Pattern.compile("\"context\":\"([^\"]*)\"");
    private static final Pattern PAYLOAD = Pattern.compile("\"payload\":\"([^\"]*)\"");
    private static final Pattern MESSAGE_ID = Pattern.compile("\"messageId\":\"([^\"]*)\"");

    private final String topicPath;
    private final List<String> gateways;
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, Outcome> sent = new ConcurrentHashMap<>();
    /** Per subscription, how often each message was delivered. */
    private final Map<String, Map<String, Integer>> delivered = new ConcurrentHashMap<>();

    private final AtomicLong oks = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    /** For each reconnect: ms from the end of a client's session (or its failed open) to its next open session. */
    private final List<Long> reconnectMillis = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Opens that failed (a refused handshake, or no connection), each followed by a new try. */
    private final AtomicLong failedOpens = new AtomicLong();
    /** How the server ended sessions: close code and reason, counted. */
    private final Map<String, Integer> serverCloses = new ConcurrentHashMap<>();
    /** Each client thread's open socket. */
    private final Map<Thread, WsClient> current = new ConcurrentHashMap<>();

    /**
     * @param topicPath e.g. {@code persistent/public/default/t}
     * @param gateways the nodes' base URLs; clients start on one and fail over to the next
     */
    Checker(String topicPath, List<String> gateways) {
        this.topicPath = topicPath;
        this.gateways = List.copyOf(gateways);
    }

    /** Starts a producer: {@code window} results in flight at most, about {@code perSecond} sends a second. */
    void producer(String name, String query, int window, int perSecond) {
        start("producer-" + name, () -> produce(name, query, window, perSecond));
    }

    /** Starts {@code count} consumers of one subscription, consumer i on node i first. */
    void consumers(String subscription, String type, int count) {
        delivered.putIfAbsent(subscription, new ConcurrentHashMap<>());
        for (int i = 0; i < count; i++) {
            int first = i;
            start("consumer-" + subscription + "-" + i, () -> consume(subscription, type, first));
        }
    }

    private void start(String name, Runnable r) {
        Thread t = new Thread(r, "checker-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void produce(String name, String query, int window, int perSecond) {
        long seq = 0;
        int node = 0;
        long intervalNanos = 1_000_000_000L / perSecond;
        long next = System.nanoTime();
        long endedAt = 0;
        while (producing.get()) {
            Set<String> inFlight = new LinkedHashSet<>();
            String url = gateways.get(node++ % gateways.size()) + "/ws/v2/producer/" + topicPath + query;
            WsClient[] opened = new WsClient[1];
            try (WsClient ws = open(url, endedAt, opened)) {
                current.put(Thread.currentThread(), ws);
                while (producing.get() && !ws.isClosed()) {
                    while (inFlight.size() < window && System.nanoTime() >= next && producing.get()) {
                        String id = name + "-" + seq++;
                        sent.put(id, Outcome.NO_ANSWER);
                        inFlight.add(id);
                        next += intervalNanos;
                        ws.send("{\"payload\":\"" + b64(id) + "\",\"context\":\"" + id + "\"}");
                    }
                    result(ws.poll(Duration.ofMillis(20)), inFlight);
                }
                // results still owed when the session ends stay NO_ANSWER: indeterminate
                awaitResults(ws, inFlight);
                closedByServer(ws);
            } catch (Exception | AssertionError e) {
                // handshake refused or socket failed: what was in flight stays indeterminate
            }
            if (opened[0] != null) {
                endedAt = System.nanoTime(); // a failed open goes on counting from the session before it
            }
            current.remove(Thread.currentThread());
            next = Math.max(next, System.nanoTime());
            reconnects.incrementAndGet();
            pause(200);
        }
    }

    /**
     * When the session ends (or the producers were told to stop): collects the results of what is still in flight,
     * for a while, also those that came before a close and were not read yet.
     */
    private void awaitResults(WsClient ws, Set<String> inFlight) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
            String f = ws.poll(Duration.ofMillis(50));
            if (f == null && ws.isClosed()) {
                return; // every frame that came before the close is read: the rest has no answer
            }
            result(f, inFlight);
        }
    }

    /** Records the outcome a result frame (or null: none yet) gives the send it answers. */
    private void result(String frame, Set<String> inFlight) {
        String id = frame == null ? null : match(CONTEXT, frame);
        if (id == null || !inFlight.remove(id)) {
            return;
        }
        Outcome o = frame.contains("\"result\":\"ok\"")
                ? Outcome.OK
                : frame.contains("\"outcome\":\"unknown\"") ? Outcome.UNKNOWN : Outcome.REFUSED;
        sent.put(id, o);
        if (o == Outcome.OK) {
            oks.incrementAndGet();
        }
    }

    private void consume(String subscription, String type, int first) {
        Map<String, Integer> got = delivered.get(subscription);
        int node = first;
        long endedAt = 0;
        while (running.get()) {
            String url = gateways.get(node++ % gateways.size()) + "/ws/v2/consumer/" + topicPath + "/" + subscription
                    + "?subscriptionType=" + type + "&subscriptionInitialPosition=Earliest";
            WsClient[] opened = new WsClient[1];
            try (WsClient ws = open(url, endedAt, opened)) {
                current.put(Thread.currentThread(), ws);
                while (running.get() && !ws.isClosed()) {
                    String f = ws.poll(Duration.ofMillis(50));
                    if (f != null) {
                        String payload = match(PAYLOAD, f);
                        if (payload != null) {
                            got.merge(
                                    new String(Base64.getDecoder().decode(payload), StandardCharsets.UTF_8),
                                    1,
                                    Integer::sum);
                            deliveries.incrementAndGet();
                            ws.send("{\"messageId\":\"" + match(MESSAGE_ID, f) + "\"}"); // acked after recording
                        }
                    }
                }
                closedByServer(ws);
            } catch (Exception | AssertionError e) {
                // refused or failed: reconnect
            }
            if (opened[0] != null) {
                endedAt = System.nanoTime(); // a failed open goes on counting from the session before it
            }
            current.remove(Thread.currentThread());
            reconnects.incrementAndGet();
            pause(200);
        }
    }

    /**
     * Opens a session; a failed open is counted. An open after an earlier session ended (or an earlier open failed)
     * records how long the client was without a session.
     */
    private WsClient open(String url, long endedAt, WsClient[] opened) throws Exception {
        try {
            opened[0] = WsClient.open(url, Duration.ofSeconds(10));
        } catch (Exception | AssertionError e) {
            failedOpens.incrementAndGet();
            throw e;
        }
        if (endedAt != 0) {
            reconnectMillis.add((System.nanoTime() - endedAt) / 1_000_000);
        }
        return opened[0];
    }

    /** Counts the close code and reason of a session the server ended. */
    private void closedByServer(WsClient ws) throws Exception {
        if (ws.isClosed()) {
            serverCloses.merge(ws.awaitClose(Duration.ofSeconds(1)) + " " + ws.closeReason(), 1, Integer::sum);
        }
    }

    /** @return the reconnect times so far, in ms, sorted */
    List<Long> reconnectMillis() {
        List<Long> sorted = new ArrayList<>(reconnectMillis);
        java.util.Collections.sort(sorted);
        return sorted;
    }

    /** @return opens that failed so far */
    long failedOpens() {
        return failedOpens.get();
    }

    /** @return the sessions the server ended so far, by close code and reason */
    Map<String, Integer> serverCloses() {
        return new TreeMap<>(serverCloses);
    }

    /** @return the topic, as in a v2 path: {@code persistent/tenant/namespace/topic} */
    String topicPath() {
        return topicPath;
    }

    /** @return sends answered ok so far */
    long oks() {
        return oks.get();
    }

    /** @return deliveries so far */
    long deliveries() {
        return deliveries.get();
    }

    /**
     * Waits until producers have had {@code count} more sends acknowledged and consumers {@code count} more
     * deliveries than now.
     *
     * @return how long that took
     */
    Duration awaitProgress(int count, Duration timeout) throws InterruptedException {
        long t0 = System.nanoTime();
        long okTarget = oks() + count;
        long deliveryTarget = deliveries() + count;
        GatewayTestSupport.await(
                "traffic flowing again (" + count + " sends and deliveries)",
                timeout,
                () -> oks() >= okTarget && deliveries() >= deliveryTarget);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /**
     * Stops the producers, then lets the consumers drain until every acknowledged message was delivered to every
     * subscription and nothing new came for {@code quiet}, or {@code max} passed.
     */
    Verdict finish(Duration quiet, Duration max) throws InterruptedException {
        producing.set(false);
        long deadline = System.nanoTime() + max.toNanos();
        long lastCount = -1;
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = deliveries();
            if (now != lastCount) {
                lastCount = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= quiet.toNanos() && allDelivered()) {
                break;
            }
            Thread.sleep(100); // a bounded poll interval inside a deadline
        }
        return verdict();
    }

    private boolean allDelivered() {
        Set<String> ok = ids(Outcome.OK);
        return delivered.values().stream().allMatch(d -> d.keySet().containsAll(ok));
    }

    private Set<String> ids(Outcome o) {
        Set<String> s = new HashSet<>();
        sent.forEach((id, outcome) -> {
            if (outcome == o) {
                s.add(id);
            }
        });
        return s;
    }

    /** What happened to every message, per subscription. */
    record Verdict(
            int sent,
            int ok,
            int refused,
            int unknown,
            int noAnswer,
            Map<String, Result> subscriptions,
            long reconnects) {

        boolean clean() {
            return subscriptions.values().stream()
                    .allMatch(r -> r.lost().isEmpty()
                            && r.lies().isEmpty()
                            && r.phantom().isEmpty());
        }

        @Override
        public String toString() {
            return "sent " + sent + " (ok " + ok + ", refused " + refused + ", outcome unknown " + unknown
                    + ", no answer " + noAnswer + "), client reconnects " + reconnects + "; " + subscriptions;
        }
    }

    /** One subscription's view. */
    record Result(Set<String> lost, Set<String> lies, Set<String> phantom, int duplicates, int indeterminateDelivered) {
        @Override
        public String toString() {
            return "lost " + lost.size() + (lost.isEmpty() ? "" : " " + first(lost)) + ", lies " + lies.size()
                    + (lies.isEmpty() ? "" : " " + first(lies)) + ", phantom " + phantom.size() + ", duplicates "
                    + duplicates + ", indeterminate delivered " + indeterminateDelivered;
        }

        private static String first(Set<String> s) {
            return s.stream().sorted().limit(5).toList().toString();
        }
    }

    private Verdict verdict() {
        Set<String> ok = ids(Outcome.OK);
        Set<String> refused = ids(Outcome.REFUSED);
        Set<String> indeterminate = ids(Outcome.UNKNOWN);
        indeterminate.addAll(ids(Outcome.NO_ANSWER));
        Map<String, Result> results = new TreeMap<>();
        delivered.forEach((sub, got) -> {
            Set<String> lost = new HashSet<>(ok);
            lost.removeAll(got.keySet());
            Set<String> lies = new HashSet<>(refused);
            lies.retainAll(got.keySet());
            Set<String> phantom = new HashSet<>(got.keySet());
            phantom.removeAll(sent.keySet());
            int duplicates = got.values().stream().mapToInt(n -> n - 1).sum();
            Set<String> indeterminateDelivered = new HashSet<>(indeterminate);
            indeterminateDelivered.retainAll(got.keySet());
            results.put(sub, new Result(lost, lies, phantom, duplicates, indeterminateDelivered.size()));
        });
        return new Verdict(
                sent.size(),
                ok.size(),
                refused.size(),
                ids(Outcome.UNKNOWN).size(),
                ids(Outcome.NO_ANSWER).size(),
                results,
                reconnects.get());
    }

    /** Drops one client's TCP connection at once, without a close handshake, as a crashing client would. */
    void abortRandomClient() {
        List<WsClient> open = new ArrayList<>(current.values());
        if (!open.isEmpty()) {
            open.get(ThreadLocalRandom.current().nextInt(open.size())).abort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        producing.set(false);
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    private static String match(Pattern p, String frame) {
        Matcher m = p.matcher(frame);
        return m.find() ? m.group(1) : null;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // reconnect back-off of a careful client
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
