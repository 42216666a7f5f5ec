package io.pulsarws.websocket.internal.fallback;

import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fakes for the HTTP fallback's tests: an async exchange whose response writes to the test's output, and a session
 * that records what it is handed.
 */
final class FakeHttp implements HttpExchange {
    /** Counted down when the request is completed. */
    final CountDownLatch completed = new CountDownLatch(1);
    /** The status the response was given (0 for none). */
    volatile int status;

    final HttpExchange.Async async;

    /** The test's side of a non-blocking response body. */
    abstract static class Out {
        abstract boolean isReady();

        abstract void setWriteListener(HttpExchange.WriteListener l);

        abstract void write(byte[] b, int off, int len);
    }

    /** An asynchronous exchange that supports nothing; fakes override what they use. */
    static class AsyncBase implements HttpExchange.Async {
        @Override
        public void timeout(long millis) {}

        @Override
        public void listen(HttpExchange.Events events) {}

        @Override
        public void complete() {}

        @Override
        public void read(HttpExchange.ReadListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean readReady() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(HttpExchange.WriteListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean writeReady() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(byte[] b, int off, int len) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void flush() {}
    }

    FakeHttp(Out out) {
        async = new AsyncBase() {
            @Override
            public void complete() {
                completed.countDown();
            }

            @Override
            public void write(HttpExchange.WriteListener listener) {
                out.setWriteListener(listener);
            }

            @Override
            public boolean writeReady() {
                return out.isReady();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
            }
        };
    }

    @Override
    public String method() {
        return "POST";
    }

    @Override
    public String path() {
        return "/http/v2/producer/persistent/public/default/t";
    }

    @Override
    public String query() {
        return null;
    }

    @Override
    public String header(String name) {
        return null;
    }

    @Override
    public List<String> headers(String name) {
        return List.of();
    }

    @Override
    public String remoteAddress() {
        return "127.0.0.1";
    }

    @Override
    public int remotePort() {
        return 40000;
    }

    @Override
    public boolean secure() {
        return false;
    }

    @Override
    public long contentLength() {
        return -1;
    }

    @Override
    public Object attribute(String name) {
        return null;
    }

    @Override
    public void attribute(String name, Object value) {}

    @Override
    public void status(int s) {
        status = s;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public void contentType(String type) {}

    @Override
    public void header(String name, String value) {}

    @Override
    public void contentLength(long bytes) {}

    @Override
    public OutputStream body() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void flush() {}

    @Override
    public void redirect(String location) {
        throw new UnsupportedOperationException();
    }

    @Override
    public HttpExchange.Async startAsync() {
        return async;
    }

    /** A producer or consumer session: what it is handed, and whether it was closed or told it may deliver. */
    static final class Session implements GatewaySession {
        volatile FrameSink sink;
        final List<String> handed = new CopyOnWriteArrayList<>();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger writable = new AtomicInteger();
        /** Pauses the input once this many texts are handed (as a producer over its pending bound does). */
        volatile int pauseAfter = Integer.MAX_VALUE;
        /** What {@link #drain} returns; the test completes it. */
        final java.util.concurrent.CompletableFuture<String> drained = new java.util.concurrent.CompletableFuture<>();

        @Override
        public java.util.concurrent.CompletableFuture<String> drain() {
            return drained;
        }

        @Override
        public void start(FrameSink s) {
            sink = s;
        }

        /** When set, each text handed waits for {@link #release} after counting down {@link #handing}. */
        volatile java.util.concurrent.CountDownLatch handing;

        volatile java.util.concurrent.CountDownLatch release;

        @Override
        public void onText(String text) {
            java.util.concurrent.CountDownLatch h = handing;
            if (h != null) {
                h.countDown();
                try {
                    release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            handed.add(text);
            if (handed.size() == pauseAfter) {
                sink.pauseReading();
            }
        }

        @Override
        public void onWritable() {
            writable.incrementAndGet();
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }
}
