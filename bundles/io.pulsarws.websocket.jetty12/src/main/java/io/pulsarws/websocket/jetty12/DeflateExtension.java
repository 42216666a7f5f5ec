package io.pulsarws.websocket.jetty12;

import java.util.zip.Deflater;
import org.eclipse.jetty.websocket.core.ExtensionConfig;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OutgoingEntry;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.internal.PerMessageDeflateExtension;

/**
 * Jetty 12's permessage-deflate, keeping no compressor between messages. Without context takeover, Jetty 12.1.14
 * gives a connection's Deflater back once a message is compressed and then, in the same call, takes another from
 * its pool only to clear that one's input; the connection keeps it until its next message or its close. Measured:
 * one Deflater per connection that has sent a compressed message, about 88 KiB of native memory each
 * (docs/benchmarks.md). Here the call that follows the release gets the transport's {@link IdleDeflater}, which
 * compresses nothing, so a connection holds a compressor only while a message of its own is being compressed.
 * Registered by {@link UpgradeServlet} under the extension's name; otherwise Jetty's behaviour.
 */
public final class DeflateExtension extends PerMessageDeflateExtension {
    /** The transport's shared, never-used Deflater, or null (then Jetty's own behaviour). */
    private IdleDeflater idle;
    /** Whether the server resets its compressor after every message, as this gateway negotiates. */
    private boolean releasesEachMessage;
    /**
     * Set once the last frame of a message went out and Jetty gave the Deflater back: the next call of
     * {@link #getDeflater} is the one that only clears the input. Written and read on the thread that sends the
     * message (Jetty's flusher handles one outgoing frame at a time).
     */
    private boolean justReleased;

    @Override
    public void init(ExtensionConfig config, WebSocketComponents components) {
        super.init(config, components);
        idle = components.getBean(IdleDeflater.class);
        releasesEachMessage = getConfig().getParameterKeys().contains("server_no_context_takeover");
    }

    @Override
    protected void nextOutgoingFrame(OutgoingEntry entry) {
        Frame frame = entry.getFrame();
        super.nextOutgoingFrame(entry); // gives the Deflater back after a message's last frame
        if (releasesEachMessage && frame.isFin() && !frame.isControlFrame()) {
            justReleased = true;
        }
    }

    @Override
    public Deflater getDeflater() {
        if (justReleased) {
            justReleased = false;
            if (idle != null) {
                return idle.deflater();
            }
        }
        return super.getDeflater();
    }
}
