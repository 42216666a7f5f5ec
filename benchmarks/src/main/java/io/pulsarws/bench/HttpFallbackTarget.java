package io.pulsarws.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This gateway's HTTP fallback ({@code http://host:port}): a producer POSTs its sends in batches of {@link #BATCH}
 * frames (a JSON array, answered by an array of results in the same order); a consumer is an event stream
 * ({@code text/event-stream}) with {@code autoAck=true}, so that no command is POSTed for its messages. Pulsar's
 * proxy has no such fallback: its figures compare with this gateway's own WebSocket loads.
 */
final class HttpFallbackTarget implements Target {
    /** Send frames per POST. */
    static final int BATCH = 100;

    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();
    /** Sends a batch that has waited this long without filling up (the end of a load, an open loop's trickle). */
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "post-flusher");
        t.setDaemon(true);
        return t;
    });

    HttpFallbackTarget(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    @Override
    public ProducerLink producer(String topic, Results results) {
        URI uri = URI.create(base + "/http/v2/producer/persistent/public/default/" + topic);
        return new ProducerLink() {
            private final Object lock = new Object();
            private List<Long> contexts = new ArrayList<>();
            private StringBuilder body = new StringBuilder("[");
            private volatile String closed;

            {
                flusher.scheduleWithFixedDelay(this::flush, 5, 5, TimeUnit.MILLISECONDS);
            }

            @Override
            public void send(long context, byte[] payload) {
                boolean full;
                synchronized (lock) {
                    if (!contexts.isEmpty()) {
                        body.append(',');
                    }
                    body.append(Frames.produce(payload, context));
                    contexts.add(context);
                    full = contexts.size() >= BATCH;
                }
                if (full) {
                    flush();
                }
            }

            private void flush() {
                List<Long> batch;
                String frames;
                synchronized (lock) {
                    if (contexts.isEmpty()) {
                        return;
                    }
                    batch = contexts;
                    frames = body.append(']').toString();
                    contexts = new ArrayList<>();
                    body = new StringBuilder("[");
                }
                http.sendAsync(
                                HttpRequest.newBuilder(uri)
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(frames))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .whenComplete((r, e) -> answered(batch, r, e));
            }

            /** Hands each send its result: the answer's array holds one per frame, in the frames' order. */
            private void answered(List<Long> batch, HttpResponse<String> r, Throwable e) {
                if (e != null || r.statusCode() != 200) {
                    String why = e != null ? String.valueOf(e) : "HTTP " + r.statusCode() + " " + r.body();
                    if (r == null || r.statusCode() >= 500) {
                        closed = why;
                    }
                    batch.forEach(c -> results.completed(c, why));
                    return;
                }
                List<String> answers = objects(r.body());
                for (int i = 0; i < batch.size(); i++) {
                    String a = i < answers.size() ? answers.get(i) : null;
                    String result = a == null ? "missing" : Frames.field(a, "result");
                    results.completed(
                            batch.get(i), "ok".equals(result) ? null : result + ": " + Frames.field(a, "errorMsg"));
                }
            }

            @Override
            public String closedBecause() {
                return closed;
            }

            @Override
            public void close() {
                flush();
            }
        };
    }

    /** @return the flat objects of a JSON array of result frames (which hold no braces in their values) */
    static List<String> objects(String array) {
        List<String> out = new ArrayList<>();
        int from = array.indexOf('{');
        while (from >= 0) {
            int to = array.indexOf('}', from);
            if (to < 0) {
                break;
            }
            out.add(array.substring(from, to + 1));
            from = array.indexOf('{', to);
        }
        return out;
    }

    @Override
    public ConsumerLink consumer(String topic, String subscription, boolean shared, Deliveries deliveries)
            throws Exception {
        URI uri = URI.create(base + "/http/v2/consumer/persistent/public/default/" + topic + "/" + subscription
                + "?subscriptionType=" + (shared ? "Shared" : "Exclusive") + "&receiverQueueSize="
                + WebSocketTarget.RECEIVER_QUEUE + "&autoAck=true");
        HttpResponse<InputStream> r = http.send(
                HttpRequest.newBuilder(uri)
                        .header("Accept", "text/event-stream")
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IOException("event stream refused: HTTP " + r.statusCode());
        }
        InputStream in = r.body();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                            if (line.startsWith("data:")) {
                                String payload = Frames.field(line, "payload");
                                if (payload != null) {
                                    deliveries.delivered(Frames.stampOfBase64(payload));
                                }
                            }
                        }
                    } catch (IOException e) {
                        // closed
                    }
                },
                "event-stream");
        reader.setDaemon(true);
        reader.start();
        return () -> {
            try {
                in.close();
            } catch (IOException e) {
                // closing at the end of the load
            }
        };
    }

    @Override
    public void close() {
        flusher.shutdownNow();
    }
}
