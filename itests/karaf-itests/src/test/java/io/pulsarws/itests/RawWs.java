package io.pulsarws.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written from the socket up, for what well-behaved libraries will not do: never read, send
 * bytes that are not UTF-8, or read only when the test says so. Frames are masked as RFC 6455 requires of clients.
 */
final class RawWs implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    private RawWs(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = socket.getInputStream();
    }

    /** The handshake answer's headers, names in lower case (the last value of a repeated one). */
    final java.util.Map<String, String> responseHeaders = new java.util.HashMap<>();

    /**
     * Opens a session; the handshake must succeed.
     *
     * @param receiveBuffer the socket's receive buffer in bytes (small: the client's TCP window fills soon when it
     *     does not read), or 0 for the system's default
     */
    static RawWs open(String url, int receiveBuffer) throws IOException {
        return open(url, receiveBuffer, java.util.Map.of());
    }

    /** Opens a session with extra handshake headers (a token); the handshake must succeed. */
    static RawWs open(String url, int receiveBuffer, java.util.Map<String, String> headers) throws IOException {
        URI u = URI.create(url);
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer); // before connecting, so that the window is announced small
        }
        s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 10_000);
        s.setSoTimeout(30_000);
        RawWs ws = new RawWs(s);
        String request = "GET " + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery())
                + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort() + "\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        StringBuilder extra = new StringBuilder();
        headers.forEach((k, v) -> extra.append(k).append(": ").append(v).append("\r\n"));
        request += extra + "\r\n";
        ws.out.write(request.getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        String status = ws.line();
        for (String h; !(h = ws.line()).isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                ws.responseHeaders.put(
                        h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        h.substring(colon + 1).trim());
            }
        }
        if (!status.contains(" 101 ")) {
            s.close();
            throw new IOException("handshake refused: " + status);
        }
        return ws;
    }

    /** Sends one text frame. */
    void sendText(String text) throws IOException {
        sendFrame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one final frame with the given opcode and payload, masked. */
    void sendFrame(int opcode, byte[] payload) throws IOException {
        sendFrame(true, opcode, payload);
    }

    /** Sends one frame, final or not (a fragment: opcode 0x0 continues a message), masked. */
    void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >>> (8 * i)) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        out.write(f.toByteArray());
        out.flush();
    }

    /** Sends a frame header declaring {@code length} payload bytes (8-byte form) and a few bytes of payload. */
    void sendRawHeader(int firstByte, long length) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(firstByte);
        f.write(0x80 | 127);
        for (int i = 7; i >= 0; i--) {
            f.write((int) (length >>> (8 * i)) & 0xff);
        }
        f.write(new byte[] {1, 2, 3, 4, 'a', 'b', 'c', 'd'}, 0, 8); // mask and four payload bytes
        out.write(f.toByteArray());
        out.flush();
    }

    /**
     * Sends payload bytes of a frame whose header went out already ({@link #sendRawHeader}); they are not masked
     * consistently, which does not matter to a frame that is to be refused.
     */
    void sendRawPayload(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Kills the connection in the middle of a text frame: the header declares 100 payload bytes, 10 are sent, then
     * the socket is reset (SO_LINGER 0), as a client whose process or host dies mid-write.
     */
    void killMidFrame() throws IOException {
        byte[] header = {(byte) 0x81, (byte) (0x80 | 100), 1, 2, 3, 4};
        out.write(header);
        out.write("{\"payload\"".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /**
     * Reads frames until the server's close frame, skipping everything else.
     *
     * @return {@code "CODE reason"}, or {@code "EOF"} if the connection ended without one
     */
    String awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int)
                    Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
            Frame f;
            try {
                f = readFrame();
            } catch (SocketTimeoutException e) {
                break;
            } catch (IOException e) {
                return "EOF";
            }
            if (f == null) {
                return "EOF";
            }
            if (f.opcode() == 0x8) {
                byte[] p = f.payload();
                int code = p.length >= 2 ? ((p[0] & 0xff) << 8) | (p[1] & 0xff) : 1005;
                return code + " "
                        + new String(p, Math.min(2, p.length), Math.max(0, p.length - 2), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no close within " + timeout);
    }

    /** @return the next text frame's payload, skipping other frames */
    String nextText(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        for (Frame f = readFrame(); f != null; f = readFrame()) {
            if (f.opcode() == 0x1) {
                return new String(f.payload(), StandardCharsets.UTF_8);
            }
        }
        throw new IOException("closed");
    }

    /** A text message as it came off the wire: whether its first frame had RSV1 set, its frames' payloads joined. */
    record Message(boolean compressed, byte[] payload) {}

    /** @return the next text message, its continuation frames joined, skipping control frames */
    Message nextMessage(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        Boolean compressed = null;
        for (Frame f = readFrame(); f != null; f = readFrame()) {
            if (f.opcode() == 0x8) {
                throw new IOException("closed");
            }
            if (f.opcode() != 0x1 && f.opcode() != 0x0) {
                continue;
            }
            if (compressed == null) {
                compressed = f.rsv1();
            }
            joined.writeBytes(f.payload());
            if (f.fin()) {
                return new Message(compressed, joined.toByteArray());
            }
        }
        throw new IOException("closed");
    }

    /** One frame from the server (unmasked, as servers send them). */
    private record Frame(int opcode, boolean rsv1, boolean fin, byte[] payload) {}

    /** @return the next frame, or null at the end of the stream */
    private Frame readFrame() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        long len = in.read() & 0x7f;
        if (len == 126) {
            len = (in.read() << 8) | in.read();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | in.read();
            }
        }
        return new Frame(b0 & 0x0f, (b0 & 0x40) != 0, (b0 & 0x80) != 0, in.readNBytes((int) len));
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // gone already
        }
    }
}
