package io.pulsarws.itests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client on the JDK's HttpClient: reads the stream on its own thread and queues the events
 * (comments are skipped). Closing it closes the connection.
 */
final class SseClient implements AutoCloseable {
    /** One event: its {@code id} (null if none), its type ({@code message} by default) and its data. */
    record Event(String id, String event, String data) {}

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final HttpResponse<InputStream> response;
    private final Thread reader;
    private volatile boolean ended;
    /** The last {@code retry:} field the server sent, or null. */
    private volatile String retry;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
    }

    /**
     * Opens a stream.
     *
     * @return the client; its {@link #status} says whether the server accepted (200) or refused
     */
    static SseClient open(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        headers.forEach(b::header);
        HttpResponse<InputStream> r = HttpClient.newHttpClient()
                .sendAsync(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream())
                .get(30, TimeUnit.SECONDS);
        SseClient c = new SseClient(r);
        if (r.statusCode() == 200) {
            c.reader.start();
        }
        return c;
    }

    int status() {
        return response.statusCode();
    }

    HttpResponse<InputStream> response() {
        return response;
    }

    /** @return the refusal's body (for a status other than 200) */
    String body() throws IOException {
        return new String(response.body().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, event == null ? "message" : event, data.toString()));
                    }
                    id = null;
                    event = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    continue; // a comment: the gateway's keep-alive
                } else if (line.startsWith("retry: ")) {
                    retry = line.substring(7);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder() : data.append('\n');
                    data.append(line.substring(6));
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            ended = true;
        }
    }

    /** @return the next event; fails after the timeout */
    Event next(Duration timeout) throws InterruptedException {
        Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            throw new AssertionError("no event within " + timeout + (ended ? " (the stream ended)" : ""));
        }
        return e;
    }

    /** @return the last {@code retry:} field received (the reconnection delay it asks for, ms), or null */
    String retry() {
        return retry;
    }

    /** @return true once the server ended the stream */
    boolean ended() {
        return ended;
    }

    @Override
    public void close() throws IOException {
        response.body().close();
    }
}
