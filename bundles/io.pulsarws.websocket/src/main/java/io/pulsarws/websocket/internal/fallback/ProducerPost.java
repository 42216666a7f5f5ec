package io.pulsarws.websocket.internal.fallback;

import io.pulsarws.codec.FrameCodec;
import io.pulsarws.codec.FrameSpans;
import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code POST} of send frames: a producer session that lives for the request. The frames are handed to it one
 * by one as a WebSocket would read them (held back while the session pauses its input, so a large batch is slowed
 * down, not refused), and the answer is the results in the frames' order: one result object for one frame, an array
 * for an array. Results the broker has not given after the timeout say {@code "outcome":"unknown"}: the message
 * may or may not be stored.
 */
final class ProducerPost implements FrameSink, HttpExchange.Events, HttpExchange.WriteListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerPost.class);

    private final GatewaySession session;
    private final byte[] body;
    private final FrameSpans frames;
    private final HttpExchange exchange;

    private final HttpExchange.Async async;
    private final FrameCodec codec;
    private final long timeoutMillis;
    private final KeepAlive keepAlive;
    /** Fills in the missing results after the timeout (our timer, not the container's async timeout). */
    private volatile java.util.concurrent.ScheduledFuture<?> timeout;

    private final Runnable onEnded;

    /** Each frame's result, by frame number; written by the session's threads, read once all are in. */
    private final String[] results;

    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicBoolean finished = new AtomicBoolean();
    /** Guards {@link #next}, {@link #paused} and {@link #feeding}. */
    private final Object input = new Object();

    private int next;
    private boolean paused;
    private boolean feeding;
    /** The answer, once known; written by the output's listener. */
    private volatile byte[] answer;

    private boolean answerWritten;

    ProducerPost(
            GatewaySession session,
            byte[] body,
            FrameSpans frames,
            HttpExchange exchange,
            HttpExchange.Async async,
            FrameCodec codec,
            long timeoutMillis,
            KeepAlive keepAlive,
            Runnable onEnded) {
        this.session = session;
        this.body = body;
        this.frames = frames;
        this.exchange = exchange;
        this.async = async;
        this.codec = codec;
        this.timeoutMillis = timeoutMillis;
        this.keepAlive = keepAlive;
        this.onEnded = onEnded;
        this.results = new String[frames.count()];
    }

    void start() {
        async.timeout(0); // the container's timeout would answer 500 itself; ours answers with the results
        async.listen(this);
        timeout = keepAlive.after(
                timeoutMillis, () -> finish("no answer from the broker within " + timeoutMillis + " ms"));
        session.start(this);
        if (frames.count() == 0) {
            finish(null);
            return;
        }
        feed();
    }

    /** Hands frames to the session until all are handed over or it pauses; one feeder at a time. */
    private void feed() {
        synchronized (input) {
            if (feeding) {
                return;
            }
            feeding = true;
        }
        while (true) {
            int i;
            synchronized (input) {
                if (paused || next == frames.count() || finished.get()) {
                    feeding = false;
                    return;
                }
                i = next++;
            }
            try {
                session.onText(body, frames.offsets()[i], frames.lengths()[i]);
            } catch (RuntimeException e) {
                // a defect, not the client's: this frame is answered, and the feeding goes on with the next
                LOG.warn("Producer POST: frame {} failed unexpectedly", i, e);
                sendResult(
                        i,
                        codec.encodeSendError(
                                io.pulsarws.codec.WebSocketError.UNKNOWN_ERROR,
                                "Internal error: " + e.getClass().getSimpleName(),
                                null));
            }
        }
    }

    @Override
    public void pauseReading() {
        synchronized (input) {
            paused = true;
        }
    }

    @Override
    public void resumeReading() {
        synchronized (input) {
            if (!paused) {
                return;
            }
            paused = false;
        }
        keepAlive.write(this::feed); // called on the Pulsar client's thread, which must not send
    }

    @Override
    public void sendResult(long frame, String text) {
        if (frame < 0 || frame >= results.length || results[(int) frame] != null) {
            return;
        }
        results[(int) frame] = text;
        if (answered.incrementAndGet() == results.length) {
            finish(null);
        }
    }

    @Override
    public void send(String text) {
        LOG.debug("Producer POST ignores a frame that answers no send: {}", text);
    }

    @Override
    public void close(int code, String reason) {
        finish("the session ended (" + code + " " + reason + ") before the broker answered");
    }

    /**
     * Answers: the results in order, those still missing as unknown with {@code why}.
     *
     * @param why null when every result is in
     */
    private void finish(String why) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        java.util.concurrent.ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        session.close();
        StringBuilder b = new StringBuilder(frames.array() ? 2 + results.length * 96 : 96);
        if (frames.array()) {
            b.append('[');
        }
        int handed;
        synchronized (input) {
            handed = next;
        }
        for (int i = 0; i < results.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            String r = results[i];
            if (r == null) {
                // handed to the producer: perhaps stored; never handed (the producer was holding back): not sent
                r = i < handed
                        ? codec.encodeSendUnknown(why, null)
                        : codec.encodeSendError(
                                io.pulsarws.codec.WebSocketError.UNKNOWN_ERROR, "not sent: " + why, null);
            }
            b.append(r);
        }
        if (frames.array()) {
            b.append(']');
        }
        answer = b.toString().getBytes(StandardCharsets.UTF_8);
        try {
            exchange.status(200);
            exchange.contentType("application/json;charset=utf-8");
            exchange.contentLength(answer.length);
            async.write(this); // written without blocking, whatever the client reads
        } catch (IllegalStateException e) {
            LOG.debug("Producer POST could not answer: {}", e.toString());
            ended();
        }
    }

    /** Answers now with what is known (the gateway is stopping). */
    void abort(String why) {
        finish(why);
    }

    @Override
    public void onWritePossible() throws IOException {
        synchronized (this) {
            if (!answerWritten) {
                answerWritten = true;
                async.write(answer, 0, answer.length);
            }
        }
        if (async.writeReady()) {
            ended();
        }
    }

    /** The answer could not be written, or the exchange failed before it (the session is closed then). */
    @Override
    public void onError(Throwable t) {
        LOG.debug("Producer POST failed: {}", t.toString());
        if (finished.compareAndSet(false, true)) {
            session.close();
        }
        ended();
    }

    @Override
    public void onTimeout() {
        // never: the async timeout is off
    }

    @Override
    public void onComplete() {
        if (finished.compareAndSet(false, true)) {
            session.close(); // the client went away first
        }
        onEnded.run();
    }

    private void ended() {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // completed already
        }
    }
}
