package io.pulsarws.itests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real WebSocket client (the JDK's) that queues text frames and records the close code. */
final class WsClient implements WebSocket.Listener, AutoCloseable {
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private volatile String closeReason;
    private final CompletableFuture<Void> pong = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket ws;

    /** Opens a session; fails with the HTTP status if the handshake is refused. */
    static WsClient open(String url) throws Exception {
        return open(url, Duration.ofSeconds(20));
    }

    static WsClient open(String url, Duration handshakeTimeout) throws Exception {
        return open(url, handshakeTimeout, Map.of());
    }

    /** Opens a session with extra handshake headers, such as {@code Authorization} or {@code Origin}. */
    static WsClient open(String url, Map<String, String> headers) throws Exception {
        return open(url, Duration.ofSeconds(20), headers);
    }

    static WsClient open(String url, Duration handshakeTimeout, Map<String, String> headers) throws Exception {
        return open(url, HttpClient.newHttpClient(), handshakeTimeout, headers);
    }

    /** Opens a {@code wss://} session trusting what the given context trusts. */
    static WsClient open(String url, javax.net.ssl.SSLContext ssl, Map<String, String> headers) throws Exception {
        return open(url, HttpClient.newBuilder().sslContext(ssl).build(), Duration.ofSeconds(20), headers);
    }

    private static WsClient open(String url, HttpClient http, Duration handshakeTimeout, Map<String, String> headers)
            throws Exception {
        WsClient c = new WsClient();
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(handshakeTimeout);
        headers.forEach(b::header);
        c.ws = b.buildAsync(URI.create(url), c).get(handshakeTimeout.toSeconds() + 10, TimeUnit.SECONDS);
        return c;
    }

    /** Opens a session offering these subprotocols, as a browser's {@code new WebSocket(url, protocols)} does. */
    static WsClient openOffering(String url, String protocol, String... more) throws Exception {
        WsClient c = new WsClient();
        c.ws = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(20))
                .subprotocols(protocol, more)
                .buildAsync(URI.create(url), c)
                .get(30, TimeUnit.SECONDS);
        return c;
    }

    /** @return the subprotocol the server answered with, or "" for none */
    String subprotocol() {
        return ws.getSubprotocol();
    }

    /** @return the HTTP status of a refused handshake; fails if the handshake succeeds */
    static int refusedStatus(String url) throws Exception {
        return refusedStatus(url, Duration.ofSeconds(20));
    }

    static int refusedStatus(String url, Duration handshakeTimeout) throws Exception {
        return refusedStatus(url, handshakeTimeout, Map.of());
    }

    static int refusedStatus(String url, Map<String, String> headers) throws Exception {
        return refusedStatus(url, Duration.ofSeconds(20), headers);
    }

    /** @return the HTTP status of a refused handshake with these headers; fails if the handshake succeeds */
    static int refusedStatus(String url, Duration handshakeTimeout, Map<String, String> headers) throws Exception {
        try {
            WsClient c = open(url, handshakeTimeout, headers);
            c.close();
            throw new AssertionError("handshake to " + url + " was accepted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    void send(String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    /** Sends one text message as several frames (a first frame and continuations). */
    void sendFragments(String... parts) throws Exception {
        for (int i = 0; i < parts.length; i++) {
            ws.sendText(parts[i], i == parts.length - 1).get(10, TimeUnit.SECONDS);
        }
    }

    void sendBinary(byte[] data) throws Exception {
        ws.sendBinary(java.nio.ByteBuffer.wrap(data), true).get(10, TimeUnit.SECONDS);
    }

    /** @return the next text frame; fails after the timeout */
    String next(Duration timeout) throws InterruptedException {
        String f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (f == null) {
            throw new AssertionError("no frame within " + timeout);
        }
        return f;
    }

    /** @return the next frame, or null if none arrives within the timeout */
    String poll(Duration timeout) throws InterruptedException {
        return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return the close code the server sent */
    int awaitClose(Duration timeout) throws Exception {
        return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            frames.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    /** Sends a ping and waits for the pong. */
    void ping(java.time.Duration timeout) throws Exception {
        ws.sendPing(java.nio.ByteBuffer.wrap(new byte[] {1})).get(10, TimeUnit.SECONDS);
        pong.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return the reason of the server's close frame, once {@link #awaitClose} returned */
    String closeReason() {
        return closeReason;
    }

    /** @return true once the server closed the session or the connection failed (an abort included) */
    boolean isClosed() {
        return closeCode.isDone();
    }

    /** Drops the TCP connection at once, without a close handshake. */
    void abort() {
        if (ws != null) {
            ws.abort();
        }
        closeCode.completeExceptionally(new java.io.IOException("aborted by the test"));
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, java.nio.ByteBuffer message) {
        pong.complete(null);
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (ws != null && !ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye")
                    .orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null)
                    .join();
        }
        if (ws != null) {
            ws.abort();
        }
    }
}
