package io.pulsarws.websocket.internal.fallback;

import io.pulsarws.codec.ClientText;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.websocket.internal.edge.Handshakes;
import io.pulsarws.websocket.internal.edge.KeepAlive;
import io.pulsarws.websocket.internal.edge.SessionLimits;
import io.pulsarws.websocket.internal.edge.WebSocketSettings;
import io.pulsarws.websocket.internal.security.SecuritySettings;
import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission of an HTTP fallback request: what a WebSocket handshake passes, in the same order and with the
 * same answers, then the request's own work. The services are read each time they are used, as the component's
 * dynamic references are.
 */
final class Admissions {
    /** The fallback's own category, which operators know its refusals by. */
    private static final Logger LOG = LoggerFactory.getLogger(HttpFallback.class);

    private final Supplier<WebSocketSettings> settings;
    private final Supplier<KeepAlive> keepAlive;
    private final Supplier<SecuritySettings> security;

    Admissions(
            Supplier<WebSocketSettings> settings, Supplier<KeepAlive> keepAlive, Supplier<SecuritySettings> security) {
        this.settings = settings;
        this.keepAlive = keepAlive;
        this.security = security;
    }

    /**
     * Who a request is from, the place it holds in the session limits (or null), and its asynchronous context when
     * its body was read without a thread (else null).
     */
    record Admitted(SessionLimits.Permit permit, SecuritySettings.Caller caller, HttpExchange.Async async) {
        String role() {
            return caller == null ? null : caller.identity().role();
        }
    }

    /** What a request does once admitted; it may refuse with an {@link OpenRefusedException}. */
    @FunctionalInterface
    interface Admission {
        /**
         * @param body the request body (checked against {@code maxTextFrameSize}), or null for a request without one
         * @return true when what it opened has taken over the permit and the asynchronous context (it releases the
         *     one and completes the other when it ends)
         */
        boolean run(Admitted a, byte[] body) throws IOException, OpenRefusedException;
    }

    /**
     * Passes the request through what a WebSocket handshake passes, in the same order (the Origin was checked
     * already): the session limits (when it opens a session), authentication; then the body, if it has one, is read
     * without a thread and within {@code requestBodyTimeoutMillis} (408 after), holding no pending-handshake place,
     * so that clients trickling their bodies cannot keep others from connecting; then, holding a pending place, runs
     * {@code then}. Every refusal is answered here.
     */
    void admit(HttpExchange x, boolean opensSession, boolean hasBody, Admission then) throws IOException {
        WebSocketSettings limits = settings.get();
        KeepAlive k = keepAlive.get();
        SessionLimits.Permit permit = null;
        if (opensSession) {
            if (!k.connections().acceptingNew()) {
                Handshakes.refuseDraining(x, k.counters());
                return;
            }
            try {
                permit = k.sessionLimits()
                        .acquire(x.remoteAddress(), limits.maxSessions(), limits.maxSessionsPerAddress());
            } catch (OpenRefusedException e) {
                LOG.warn("HTTP request from {} refused: {}", x.remoteAddress(), ClientText.line(e.getMessage(), 512));
                refuse(x, e.status(), e.getMessage());
                return;
            }
        }
        SecuritySettings.Caller caller;
        try {
            caller = security.get().authenticate(x, null);
            if (permit != null) {
                SecuritySettings.chargePrincipal(permit, caller, limits);
            }
        } catch (OpenRefusedException e) {
            if (permit != null) {
                permit.release();
            }
            refuse(x, e.status(), e.getMessage());
            return;
        }
        if (!hasBody) {
            proceed(x, new Admitted(permit, caller, null), null, then);
            return;
        }
        HttpExchange.Async async = x.startAsync();
        async.timeout(0); // the body's own deadline below answers 408; the container's would answer 500
        Admitted admitted = new Admitted(permit, caller, async);
        BodyReader.read(
                async,
                x.contentLength(),
                new BodyReader.Limits(limits.maxTextFrameSize(), limits.requestBodyTimeoutMillis()),
                k.receiving()
                        .account(
                                SecuritySettings.owner(caller, x.remoteAddress()),
                                limits.maxReceivingBytesPerPrincipal(),
                                limits.maxReceivingBytes()),
                k,
                new BodyReader.Outcome() {
                    @Override
                    public void body(byte[] body) {
                        try {
                            proceed(x, admitted, body, then);
                        } catch (IOException e) {
                            LOG.debug("Answering {} failed: {}", x.path(), e.toString());
                        }
                    }

                    @Override
                    public void refused(int status, String reason) {
                        if (admitted.permit() != null) {
                            admitted.permit().release();
                        }
                        try {
                            if (status == 408) {
                                x.header("Connection", "close");
                            } else if (status == 503 || status == 429) {
                                x.header("Retry-After", "1");
                            }
                            refuse(x, status, reason);
                        } catch (IOException | IllegalStateException e) {
                            LOG.debug("Answering {} failed: {}", x.path(), e.toString());
                        } finally {
                            complete(async);
                        }
                    }
                });
    }

    /** Runs an admitted request, holding a pending-handshake place meanwhile. */
    private void proceed(HttpExchange x, Admitted a, byte[] body, Admission then) throws IOException {
        AtomicInteger pending = keepAlive.get().pendingHttpOpens();
        if (pending.incrementAndGet() > settings.get().maxPendingHttpOpens()) {
            pending.decrementAndGet();
            if (a.permit() != null) {
                a.permit().release();
            }
            refuse(x, 503, "Too many requests waiting for their session (maxPendingHttpOpens); retry later");
            complete(a.async());
            return;
        }
        boolean handedOver = false;
        try {
            handedOver = then.run(a, body);
        } catch (OpenRefusedException e) {
            refuse(x, e.status(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("HTTP request for {} failed unexpectedly", x.path(), e);
            refuse(x, 500, "Internal error: " + e.getClass().getSimpleName());
        } finally {
            pending.decrementAndGet();
            if (!handedOver) {
                if (a.permit() != null) {
                    a.permit().release();
                }
                complete(a.async());
            }
        }
    }

    static void complete(HttpExchange.Async async) {
        if (async != null) {
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // completed already
            }
        }
    }

    /** Answers with a status and a one-line plain-text reason, counted like a refused handshake. */
    void refuse(HttpExchange x, int status, String why) throws IOException {
        Handshakes.refuse(x, keepAlive.get().counters(), status, why);
    }
}
