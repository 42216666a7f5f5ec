package io.pulsarws.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One client WebSocket over the JDK's {@link HttpClient}: whole text frames in, and a send queue out. The JDK allows
 * one send at a time: the next queued frame goes out when the previous send completes, on the thread that completes
 * it, so that the client hands no frame between threads (it must cost the machine less than what it measures).
 */
final class WsConnection extends WsLink {
    private final BiConsumer<WsConnection, String> onFrame;
    private final StringBuilder partial = new StringBuilder();
    private final Queue<String> outbox = new ConcurrentLinkedQueue<>();
    /** Room in the outbox: a full outbox makes {@link #send} wait, as a socket that takes no more bytes would. */
    private final Semaphore room;
    /** True while one send is in progress. */
    private final AtomicBoolean sending = new AtomicBoolean();

    private volatile WebSocket socket;

    /** False for a client that never reads what the server sends (the windowless flood). */
    private final boolean reads;

    private WsConnection(BiConsumer<WsConnection, String> onFrame, int outboxCapacity, boolean reads) {
        this.onFrame = onFrame;
        this.room = new Semaphore(outboxCapacity);
        this.reads = reads;
    }

    /**
     * Opens a connection; frames go to {@code onFrame}, with the connection to answer on, on the client's reader
     * thread. A frame can arrive before the returned future completes: the connection can send from then on.
     */
    static CompletableFuture<WsConnection> open(
            HttpClient http, URI uri, BiConsumer<WsConnection, String> onFrame, int outboxCapacity) {
        return open(http, uri, onFrame, outboxCapacity, true);
    }

    /**
     * @param reads false for a client that reads nothing after the handshake: the JDK client then takes no frame
     *     off the socket, so what the server sends piles up in the server
     */
    static CompletableFuture<WsConnection> open(
            HttpClient http, URI uri, BiConsumer<WsConnection, String> onFrame, int outboxCapacity, boolean reads) {
        WsConnection c = new WsConnection(onFrame, outboxCapacity, reads);
        return http.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .buildAsync(uri, c.new Listener())
                .thenApply(ws -> {
                    c.socket = ws;
                    return c;
                });
    }

    /** Queues a frame, waiting while the outbox is full (TCP back-pressure reaches the caller this way). */
    @Override
    void send(String frame) throws InterruptedException {
        offer(frame, Long.MAX_VALUE);
    }

    /**
     * Queues a frame, waiting while the outbox is full, but not beyond a deadline.
     *
     * @param deadline a {@link System#nanoTime()}, or {@link Long#MAX_VALUE} for none
     * @return false if the frame was not queued: the deadline passed, or the connection closed
     */
    boolean offer(String frame, long deadline) throws InterruptedException {
        while (!room.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            if (closeCode() >= 0 || (deadline != Long.MAX_VALUE && System.nanoTime() - deadline > 0)) {
                return false; // closed: the frame is lost, and the load reports the session closed
            }
        }
        outbox.add(frame);
        flush();
        return true;
    }

    /** Sends queued frames while each send completes at once; otherwise its completion carries on. */
    private void flush() {
        while (sending.compareAndSet(false, true)) {
            String f = outbox.poll();
            if (f == null) {
                sending.set(false);
                if (outbox.isEmpty()) {
                    return;
                }
                continue; // a frame was queued between the poll and the reset
            }
            room.release();
            CompletableFuture<WebSocket> sent = socket.sendText(f, true);
            if (!sent.isDone()) {
                sent.whenComplete((ws, e) -> {
                    sending.set(false);
                    if (e == null) {
                        flush();
                    }
                });
                return;
            }
            sending.set(false);
            if (sent.isCompletedExceptionally()) {
                return; // the socket failed: what was not acknowledged is reported by the load
            }
        }
    }

    boolean isOpen() {
        WebSocket ws = socket;
        return ws != null && closeCode() < 0 && !ws.isInputClosed();
    }

    /** Sends a normal close and drops what is still queued. */
    @Override
    void close() {
        outbox.clear();
        WebSocket ws = socket;
        if (ws != null && !ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
        }
    }

    /** Drops the connection without a close frame. */
    void abort() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket ws) {
            socket = ws;
            if (reads) {
                ws.request(Long.MAX_VALUE);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            if (!last) {
                partial.append(data);
            } else if (partial.length() > 0) {
                partial.append(data);
                String frame = partial.toString();
                partial.setLength(0);
                onFrame.accept(WsConnection.this, frame);
            } else {
                onFrame.accept(WsConnection.this, data.toString());
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closedBy(statusCode, reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            lost(String.valueOf(error));
        }
    }
}
