package io.pulsarws.websocket.jetty12;

import io.pulsarws.websocket.transport.WebSocket;
import io.pulsarws.websocket.transport.WebSocketEndpoint;
import io.pulsarws.websocket.transport.WebSocketHandler;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.exception.BadPayloadException;
import org.eclipse.jetty.websocket.core.exception.MessageTooLargeException;
import org.eclipse.jetty.websocket.core.exception.ProtocolException;
import org.eclipse.jetty.websocket.core.exception.WebSocketTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty 12 WebSocket connection adapted to the seam, on Jetty's core WebSocket API (not its Jetty API layer, whose
 * per-connection session keeps the upgrade response, and through it the whole HTTP request, connection and parser,
 * for the life of the WebSocket: 3 KiB and more per idle session). Frames come raw and in pieces (auto-fragmented),
 * one at a time on demand: the next is demanded at the end of each unless the handler says stop, and then once it
 * resumes. Jetty's core answers no ping, so this does; a close frame is answered by Jetty once its callback succeeds.
 * Text frames go out through the core session, so that frames queued together are batched into one socket write.
 */
final class JettySocket implements FrameHandler, WebSocket {
    private static final Logger LOG = LoggerFactory.getLogger(JettySocket.class);

    private final WebSocketEndpoint.Upgrade upgrade;
    /** Written once at open. */
    private volatile WebSocketHandler handler;

    private volatile CoreSession core;

    /** Guarded by {@code this}: a frame is being handed to the handler (its demand is decided after). */
    private boolean inFrame;
    /** Guarded by {@code this}: the handler said stop and has not resumed; no demand is pending. */
    private boolean stopped;
    /** Guarded by {@code this}: a resume that came while its frame was still being handled. */
    private boolean resumeEarly;

    JettySocket(WebSocketEndpoint.Upgrade upgrade) {
        this.upgrade = upgrade;
    }

    @Override
    public void onOpen(CoreSession s, Callback callback) {
        core = s;
        // an idle connection is closed by the handler, with its reason, not by Jetty with its own
        s.addIdleTimeoutListener(timeout -> {
            WebSocketHandler h = handler;
            if (h == null) {
                return true; // Jetty closes it
            }
            h.failed(WebSocketHandler.Failure.IDLE_TIMEOUT, timeout); // closes with the handler's reason
            return false;
        });
        try {
            WebSocketHandler h = upgrade.accept();
            handler = h;
            h.open(this);
        } catch (RuntimeException e) {
            callback.failed(e);
            return;
        }
        callback.succeeded();
        s.demand(); // the first frame
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        byte opCode = frame.getOpCode();
        if (opCode == OpCode.CLOSE) {
            callback.succeeded(); // Jetty answers it and closes; nothing more is read
            return;
        }
        boolean readOn = true;
        synchronized (this) {
            inFrame = true;
        }
        try {
            switch (opCode) {
                case OpCode.TEXT, OpCode.CONTINUATION -> readOn = handler.text(frame.getPayload(), frame.isFin());
                case OpCode.BINARY -> handler.binary();
                case OpCode.PING -> pong(frame.getPayload());
                default -> {
                    // pong: nothing to do
                }
            }
        } finally {
            callback.succeeded();
        }
        boolean demand;
        synchronized (this) {
            inFrame = false;
            if (readOn || resumeEarly) {
                resumeEarly = false;
                demand = true;
            } else {
                stopped = true;
                demand = false;
            }
        }
        if (demand) {
            core.demand();
        }
    }

    private void pong(ByteBuffer ping) {
        ByteBuffer copy =
                ByteBuffer.allocate(ping.remaining()).put(ping.slice()).flip(); // valid after the callback
        core.sendFrame(new Frame(OpCode.PONG, copy), Callback.NOOP, false);
    }

    @Override
    public void resumeReading() {
        synchronized (this) {
            if (inFrame) {
                resumeEarly = true; // the handler said stop and resumes before this frame's end decided
                return;
            }
            if (!stopped) {
                return;
            }
            stopped = false;
        }
        try {
            core.demand();
        } catch (RuntimeException e) {
            LOG.debug("Resuming reads failed (closed meanwhile): {}", e.toString());
        }
    }

    @Override
    public void onClosed(CloseStatus status, Callback callback) {
        try {
            WebSocketHandler h = handler;
            if (h != null) {
                h.closed(status.getCode(), status.getReason());
            } else {
                upgrade.abandon(); // closed before it opened: nothing else gives back what the handshake took
            }
        } finally {
            callback.succeeded();
        }
    }

    /** Jetty sends its own close after this unless the handler's came first; the handler is told why. */
    @Override
    public void onError(Throwable cause, Callback callback) {
        try {
            WebSocketHandler h = handler;
            if (h == null) {
                upgrade.abandon(); // failed before it opened
                return;
            }
            WebSocketHandler.Failure failure;
            if (cause instanceof WebSocketTimeoutException) {
                failure = WebSocketHandler.Failure.IDLE_TIMEOUT;
            } else if (cause instanceof BadPayloadException) {
                failure = WebSocketHandler.Failure.BAD_PAYLOAD;
            } else if (cause instanceof MessageTooLargeException) {
                failure = WebSocketHandler.Failure.TOO_LARGE;
            } else if (cause instanceof ProtocolException) {
                failure = WebSocketHandler.Failure.PROTOCOL;
            } else {
                failure = WebSocketHandler.Failure.OTHER;
            }
            h.failed(failure, cause);
        } finally {
            callback.succeeded();
        }
    }

    @Override
    public boolean isOpen() {
        CoreSession c = core;
        return c != null && c.isOutputOpen();
    }

    @Override
    public String remoteAddress() {
        CoreSession c = core;
        return c == null ? "a socket not yet open" : String.valueOf(c.getRemoteAddress());
    }

    @Override
    public void idleTimeout(long millis) {
        core.setIdleTimeout(Duration.ofMillis(millis));
    }

    @Override
    public long idleTimeout() {
        return core.getIdleTimeout().toMillis();
    }

    /**
     * Frames sent with {@code more} are batched by Jetty's core session (those under a quarter of its 4 KiB output
     * buffer) until one without it is written with them in one gathering write.
     */
    @Override
    public void sendText(String text, boolean more, Written written) {
        core.sendFrame(new Frame(OpCode.TEXT, text), Callback.from(() -> written.done(null), written::done), more);
    }

    @Override
    public void ping(ByteBuffer payload) {
        CoreSession c = core;
        if (c != null) {
            c.sendFrame(new Frame(OpCode.PING, payload), Callback.NOOP, false);
        }
    }

    /** Also reads on, if reading was stopped: Jetty needs the client's close frame read to finish the close. */
    @Override
    public void close(int code, String reason) {
        CoreSession c = core;
        if (c != null) {
            c.close(code, reason, Callback.NOOP);
            resumeReading();
        }
    }

    @Override
    public void disconnect() {
        CoreSession c = core;
        if (c != null) {
            c.abort();
        }
    }
}
