package io.pulsarws.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A client WebSocket (RFC 6455) on a plain blocking socket: one reader thread, and frames written whole, one write
 * each, by whichever thread sends them. It exists because the benchmark shares two cores with what it measures: the
 * JDK's client spends about twice the native Pulsar client's CPU per message (its frames pass through executors and
 * a CharBuffer), which the WebSocket targets paid for in throughput and the native client did not.
 *
 * <p>For a few busy sessions only (the producer, consumer and e2e loads): each connection has its own thread. The
 * idle load's thousands of sessions and the floods use {@link WsConnection}. Frames are masked with a random key
 * per frame, as RFC 6455 requires of every client.
 */
final class RawWsConnection extends WsLink {
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** Bounds the handshake's response headers. */
    private static final int MAX_HEADERS = 16 * 1024;
    /** Bounds a text message from the server: the loads never receive one near this. */
    static final int MAX_MESSAGE = 8 * 1024 * 1024;

    private static final int OP_CONTINUATION = 0;
    private static final int OP_TEXT = 1;
    private static final int OP_CLOSE = 8;
    private static final int OP_PING = 9;
    private static final int OP_PONG = 10;

    /** The extension offered with {@code deflate}: RFC 7692 without context takeover either way. */
    static final String DEFLATE_OFFER = "permessage-deflate; client_no_context_takeover; server_no_context_takeover";
    /** Ends every compressed message's sync flush; left off on the wire (RFC 7692, 7.2.1). */
    private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};

    /** Bytes every connection of this process read from and wrote to its socket, frames and handshakes. */
    static final LongAdder WIRE_IN = new LongAdder();

    static final LongAdder WIRE_OUT = new LongAdder();

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final BiConsumer<? super RawWsConnection, String> onFrame;
    /** With permessage-deflate: compresses what this connection sends (guarded by this), else null. */
    private final Deflater deflater;
    /** With permessage-deflate: inflates what it receives (the reader thread's), else null. */
    private final Inflater inflater;
    /** The frame being written, reused; guarded by {@code this}. */
    private byte[] frame = new byte[1024];

    private boolean closeSent; // guarded by this

    private RawWsConnection(
            Socket socket, InputStream in, BiConsumer<? super RawWsConnection, String> onFrame, boolean deflate)
            throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = in;
        this.onFrame = onFrame;
        this.deflater = deflate ? new Deflater(Deflater.DEFAULT_COMPRESSION, true) : null;
        this.inflater = deflate ? new Inflater(true) : null;
    }

    /**
     * Connects and upgrades ({@code ws://} only), then starts the reader thread, which hands each whole text message
     * to {@code onFrame} with the connection to answer on.
     *
     * @throws IOException if the connection or the handshake fails (the status line is in the message)
     */
    static RawWsConnection open(URI uri, BiConsumer<? super RawWsConnection, String> onFrame) throws IOException {
        return open(uri, onFrame, false);
    }

    /**
     * @param deflate offer permessage-deflate ({@link #DEFLATE_OFFER}) and fail unless the server accepts it; every
     *     message is then compressed both ways
     */
    static RawWsConnection open(URI uri, BiConsumer<? super RawWsConnection, String> onFrame, boolean deflate)
            throws IOException {
        if (!"ws".equals(uri.getScheme())) {
            throw new IllegalArgumentException("only ws:// URIs: " + uri);
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(uri.getHost(), port), 30_000);
            s.setSoTimeout(30_000); // the handshake only
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + port
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\n"
                    + (deflate ? "Sec-WebSocket-Extensions: " + DEFLATE_OFFER + "\r\n" : "") + "\r\n";
            byte[] handshake = request.getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(handshake);
            WIRE_OUT.add(handshake.length);
            InputStream in = new BufferedInputStream(new Counted(s.getInputStream()), 64 * 1024);
            String headers = readHeaders(in);
            if (!headers.startsWith("HTTP/1.1 101")) {
                throw new IOException(
                        "handshake refused: " + headers.lines().findFirst().orElse(""));
            }
            String expected = accept(key);
            if (headers.lines()
                    .noneMatch(h -> h.regionMatches(true, 0, "Sec-WebSocket-Accept:", 0, 21)
                            && h.substring(21).trim().equals(expected))) {
                throw new IOException("handshake without the right Sec-WebSocket-Accept: " + headers);
            }
            if (deflate
                    && headers.lines()
                            .noneMatch(h -> h.regionMatches(true, 0, "Sec-WebSocket-Extensions:", 0, 25)
                                    && h.contains("permessage-deflate"))) {
                throw new IOException("permessage-deflate declined: " + headers);
            }
            s.setSoTimeout(0);
            RawWsConnection c = new RawWsConnection(s, in, onFrame, deflate);
            Thread reader = new Thread(c::readLoop, "ws-reader " + uri.getPath());
            reader.setDaemon(true);
            reader.start();
            return c;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The Sec-WebSocket-Accept a server must answer to {@code key}. */
    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder()
                    .encodeToString(sha1.digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readHeaders(InputStream in) throws IOException {
        byte[] b = new byte[MAX_HEADERS];
        int n = 0;
        while (n < 4 || b[n - 4] != '\r' || b[n - 3] != '\n' || b[n - 2] != '\r' || b[n - 1] != '\n') {
            if (n == MAX_HEADERS) {
                throw new IOException("handshake response headers over " + MAX_HEADERS + " bytes");
            }
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed during the handshake");
            }
            b[n++] = (byte) c;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    void send(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (deflater == null) {
            write(OP_TEXT, utf8);
            return;
        }
        synchronized (this) {
            write(OP_TEXT | RSV1, compress(utf8));
        }
    }

    /** RFC 7692: the first frame of a compressed message has RSV1 set. */
    private static final int RSV1 = 0x40;

    /** @return a message's payload compressed as permessage-deflate sends it, with no context from the last one */
    private byte[] compress(byte[] utf8) {
        deflater.reset();
        deflater.setInput(utf8);
        ByteArrayOutputStream z = new ByteArrayOutputStream(utf8.length / 2 + 16);
        byte[] chunk = new byte[Math.max(64, utf8.length / 2 + 16)];
        int n;
        while ((n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH)) > 0) {
            z.write(chunk, 0, n);
        }
        byte[] all = z.toByteArray();
        return java.util.Arrays.copyOf(all, all.length - TAIL.length);
    }

    /** @return the text of a compressed message's payload */
    private String inflate(byte[] payload, int length) throws IOException {
        inflater.reset();
        byte[] input = java.util.Arrays.copyOf(payload, length + TAIL.length);
        System.arraycopy(TAIL, 0, input, length, TAIL.length);
        inflater.setInput(input);
        ByteArrayOutputStream text = new ByteArrayOutputStream(length * 3);
        byte[] chunk = new byte[Math.max(256, length * 3)];
        try {
            while (!inflater.needsInput()) {
                int n = inflater.inflate(chunk);
                text.write(chunk, 0, n);
                if (text.size() > MAX_MESSAGE) {
                    throw new IOException("a message over " + MAX_MESSAGE + " bytes");
                }
            }
        } catch (java.util.zip.DataFormatException e) {
            throw new IOException("a compressed message that does not inflate", e);
        }
        return text.toString(StandardCharsets.UTF_8);
    }

    /** Writes one masked frame with one write call; after a close has been sent, drops it. */
    private synchronized void write(int opcode, byte[] payload) {
        if (closeSent) {
            return;
        }
        int n = payload.length;
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        int size = header + 4 + n;
        if (frame.length < size) {
            frame = new byte[Math.max(size, frame.length * 2)];
        }
        byte[] f = frame;
        f[0] = (byte) (0x80 | opcode); // with RSV1, when the caller set it
        if (n < 126) {
            f[1] = (byte) (0x80 | n);
        } else if (n < 65536) {
            f[1] = (byte) (0x80 | 126);
            f[2] = (byte) (n >>> 8);
            f[3] = (byte) n;
        } else {
            f[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                f[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
        }
        int mask = ThreadLocalRandom.current().nextInt();
        for (int i = 0; i < 4; i++) {
            f[header + i] = (byte) (mask >>> (24 - 8 * i));
        }
        int at = header + 4;
        for (int i = 0; i < n; i++) {
            f[at + i] = (byte) (payload[i] ^ f[header + (i & 3)]);
        }
        try {
            out.write(f, 0, size);
            WIRE_OUT.add(size);
        } catch (IOException e) {
            fail(e);
        }
        if (opcode == OP_CLOSE) {
            closeSent = true;
        }
    }

    private void readLoop() {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        boolean compressed = false; // the message being read began with RSV1
        try {
            while (true) {
                int b0 = readByte();
                int b1 = readByte();
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0F;
                if (opcode == OP_TEXT) {
                    compressed = (b0 & RSV1) != 0;
                    if (compressed && inflater == null) {
                        throw new IOException("a compressed frame without permessage-deflate");
                    }
                }
                long n = b1 & 0x7F;
                if (n == 126) {
                    n = (readByte() << 8) | readByte();
                } else if (n == 127) {
                    n = 0;
                    for (int i = 0; i < 8; i++) {
                        n = (n << 8) | readByte();
                    }
                }
                if ((b1 & 0x80) != 0) {
                    throw new IOException("the server masked a frame");
                }
                if (n > MAX_MESSAGE || message.size() + n > MAX_MESSAGE) {
                    throw new IOException("a message over " + MAX_MESSAGE + " bytes");
                }
                if (buffer.length < n) {
                    buffer = new byte[(int) n];
                }
                readFully(buffer, (int) n);
                switch (opcode) {
                    case OP_TEXT, OP_CONTINUATION -> {
                        if (fin && message.size() == 0) {
                            onFrame.accept(
                                    this,
                                    compressed
                                            ? inflate(buffer, (int) n)
                                            : new String(buffer, 0, (int) n, StandardCharsets.UTF_8));
                        } else {
                            message.write(buffer, 0, (int) n);
                            if (fin) {
                                byte[] whole = message.toByteArray();
                                onFrame.accept(
                                        this,
                                        compressed
                                                ? inflate(whole, whole.length)
                                                : new String(whole, StandardCharsets.UTF_8));
                                message.reset();
                            }
                        }
                    }
                    case OP_PING -> write(OP_PONG, java.util.Arrays.copyOf(buffer, (int) n));
                    case OP_PONG -> {
                        // unasked: ignored
                    }
                    case OP_CLOSE -> {
                        closedBy(
                                n >= 2 ? ((buffer[0] & 0xFF) << 8) | (buffer[1] & 0xFF) : 1005,
                                n > 2 ? new String(buffer, 2, (int) n - 2, StandardCharsets.UTF_8) : "");
                        write(OP_CLOSE, java.util.Arrays.copyOf(buffer, (int) Math.min(n, 2)));
                        socket.close();
                        return;
                    }
                    default -> throw new IOException("unexpected opcode " + opcode);
                }
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the server closed the connection without a close frame");
        }
        return b;
    }

    private void readFully(byte[] b, int n) throws IOException {
        for (int at = 0; at < n; ) {
            int r = in.read(b, at, n - at);
            if (r < 0) {
                throw new EOFException("the server closed the connection within a frame");
            }
            at += r;
        }
    }

    private void fail(IOException e) {
        lost(String.valueOf(e));
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a broken socket
        }
    }

    /** Sends a normal close; the reader closes the socket when the server's close arrives. */
    @Override
    void close() {
        write(OP_CLOSE, new byte[] {(byte) (1000 >>> 8), (byte) (1000 & 0xFF)});
    }

    /** Counts what the socket delivers into {@link #WIRE_IN}. */
    private static final class Counted extends java.io.FilterInputStream {
        Counted(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                WIRE_IN.increment();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                WIRE_IN.add(n);
            }
            return n;
        }
    }
}
