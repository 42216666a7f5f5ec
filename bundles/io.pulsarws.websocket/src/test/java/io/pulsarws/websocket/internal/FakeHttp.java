package io.pulsarws.websocket.internal;

import io.pulsarws.session.FrameSink;
import io.pulsarws.session.GatewaySession;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.servlet.AsyncContext;
import javax.servlet.ServletOutputStream;
import javax.servlet.http.HttpServletResponse;

/**
 * Fakes for the HTTP fallback's tests: an async request whose response writes to the test's output stream, and a
 * session that records what it is handed.
 */
final class FakeHttp {
    /** Counted down when the request is completed. */
    final CountDownLatch completed = new CountDownLatch(1);
    /** The status the response was given (0 for none). */
    volatile int status;

    final AsyncContext async;

    FakeHttp(ServletOutputStream out) {
        ClassLoader loader = FakeHttp.class.getClassLoader();
        HttpServletResponse resp = (HttpServletResponse) Proxy.newProxyInstance(
                loader, new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "setStatus" -> status = (Integer) args[0];
                        case "getOutputStream" -> {
                            return out;
                        }
                        default -> {}
                    }
                    return null;
                });
        async = (AsyncContext) Proxy.newProxyInstance(loader, new Class<?>[] {AsyncContext.class}, (p, m, args) -> {
            switch (m.getName()) {
                case "getResponse" -> {
                    return resp;
                }
                case "complete" -> completed.countDown();
                default -> {}
            }
            return null;
        });
    }

    /** A producer or consumer session: what it is handed, and whether it was closed or told it may deliver. */
    static final class Session implements GatewaySession {
        volatile FrameSink sink;
        final List<String> handed = new CopyOnWriteArrayList<>();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger writable = new AtomicInteger();
        /** Pauses the input once this many texts are handed (as a producer over its pending bound does). */
        volatile int pauseAfter = Integer.MAX_VALUE;

        @Override
        public void start(FrameSink s) {
            sink = s;
        }

        @Override
        public void onText(String text) {
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
