package io.pulsarws.websocket.jetty12;

import java.util.zip.Deflater;

/**
 * One Deflater that never compresses anything, for the call {@link DeflateExtension} takes over: it only has its
 * input set to an empty buffer, which {@link Deflater#setInput(java.nio.ByteBuffer)} does under its own lock, so
 * connections share it. Kept as a bean of the servlet context's WebSocket components by {@link UpgradeServlet},
 * from its init to its destroy.
 */
final class IdleDeflater {
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);

    Deflater deflater() {
        return deflater;
    }

    void end() {
        deflater.end();
    }
}
