package io.pulsarws.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The benchmark's own WebSocket client against a minimal RFC 6455 server written here, over loopback. */
class RawWsConnectionTest {

    /** One accepted connection of the test server, after its handshake. */
    private static final class Peer implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** Reads a client frame: it must be masked; returns opcode and unmasked payload. */
        Object[] read() throws IOException {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            assertTrue((b1 & 0x80) != 0, "a client frame must be masked");
            long n = b1 & 0x7F;
            if (n == 126) {
                n = in.readUnsignedShort();
            } else if (n == 127) {
                n = in.readLong();
            }
            byte[] mask = new byte[4];
            in.readFully(mask);
            byte[] p = new byte[(int) n];
            in.readFully(p);
            for (int i = 0; i < p.length; i++) {
                p[i] ^= mask[i & 3];
            }
            return new Object[] {b0, p};
        }

        /** Writes a server frame (unmasked). */
        void write(boolean fin, int opcode, byte[] p) throws IOException {
            out.write((fin ? 0x80 : 0) | opcode);
            if (p.length < 126) {
                out.write(p.length);
            } else if (p.length < 65536) {
                out.write(126);
                out.write(p.length >>> 8);
                out.write(p.length & 0xFF);
            } else {
                out.write(127);
                for (int i = 7; i >= 0; i--) {
                    out.write((int) ((long) p.length >>> (8 * i)) & 0xFF);
                }
            }
            out.write(p);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Accepts one connection and answers its handshake with {@code status}, or with a wrong accept key. */
    private static CompletableFuture<Peer> serve(ServerSocket server, String status, boolean rightAccept) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = server.accept();
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                StringBuilder headers = new StringBuilder();
                while (!headers.toString().endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        throw new IOException("closed in the handshake");
                    }
                    headers.append((char) c);
                }
                String key = headers.toString()
                        .lines()
                        .filter(l -> l.startsWith("Sec-WebSocket-Key:"))
                        .findFirst()
                        .orElseThrow()
                        .substring(18)
                        .trim();
                String accept = rightAccept ? RawWsConnection.accept(key) : RawWsConnection.accept(key + "x");
                s.getOutputStream()
                        .write(("HTTP/1.1 " + status + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                return new Peer(s);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static URI uri(ServerSocket server) {
        return URI.create(
                "ws://127.0.0.1:" + server.getLocalPort() + "/ws/v2/producer/persistent/public/default/t?x=1");
    }

    /** Waits (10 s at most) until the reader thread has recorded a close. */
    private static void awaitClosed(RawWsConnection c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.closeCode() < 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    @Test
    void acceptKeyIsTheOneOfRfc6455() {
        // the example of RFC 6455, section 1.3
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", RawWsConnection.accept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void framesOfEverySizeGoBothWaysAndTheCloseIsAnswered() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Peer> accepted = serve(server, "101 Switching Protocols", true);
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            RawWsConnection c = RawWsConnection.open(uri(server), (link, text) -> received.add(text));
            try (Peer peer = accepted.get(10, TimeUnit.SECONDS)) {
                // client to server: 7-bit, 16-bit and 64-bit lengths, masked
                for (int size : new int[] {5, 300, 70_000}) {
                    String text = "é".repeat(size / 2) + (size % 2 == 1 ? "x" : "");
                    c.send(text);
                    Object[] f = peer.read();
                    assertEquals(0x81, f[0]);
                    assertEquals(text, new String((byte[]) f[1], StandardCharsets.UTF_8));
                }
                // server to client: the same lengths, and a message in two fragments
                for (int size : new int[] {5, 300, 70_000}) {
                    String text = "y".repeat(size);
                    peer.write(true, 1, text.getBytes(StandardCharsets.UTF_8));
                    assertEquals(text, received.poll(10, TimeUnit.SECONDS));
                }
                byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
                peer.write(false, 1, new byte[] {'a', euro[0]});
                peer.write(true, 0, new byte[] {euro[1], euro[2], 'b'});
                assertEquals("a€b", received.poll(10, TimeUnit.SECONDS));
                // a ping is answered with a pong of the same payload
                peer.write(true, 9, new byte[] {1, 2, 3});
                Object[] pong = peer.read();
                assertEquals(0x8A, pong[0]);
                assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) pong[1]);
                // the server closes: the client records the code and answers with a close
                peer.write(true, 8, new byte[] {0x03, (byte) 0xE9, 'b', 'y', 'e'});
                Object[] close = peer.read();
                assertEquals(0x88, close[0]);
                assertArrayEquals(new byte[] {0x03, (byte) 0xE9}, (byte[]) close[1]);
                awaitClosed(c);
                assertEquals(1001, c.closeCode());
                assertEquals("bye", c.closeReason());
                c.send("dropped after the close"); // must neither throw nor reach the server
                assertEquals(-1, peer.in.read(), "the client closes its socket after the close handshake");
            }
        }
    }

    @Test
    void aRefusedOrUntrueHandshakeFailsTheOpen() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Peer> refused = serve(server, "403 Forbidden", true);
            IOException e = assertThrows(IOException.class, () -> RawWsConnection.open(uri(server), (l, t) -> {}));
            assertTrue(e.getMessage().contains("403 Forbidden"), e.getMessage());
            refused.get(10, TimeUnit.SECONDS).close();

            CompletableFuture<Peer> wrongKey = serve(server, "101 Switching Protocols", false);
            e = assertThrows(IOException.class, () -> RawWsConnection.open(uri(server), (l, t) -> {}));
            assertTrue(e.getMessage().contains("Sec-WebSocket-Accept"), e.getMessage());
            wrongKey.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void aConnectionLostWithoutACloseIs1006() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Peer> accepted = serve(server, "101 Switching Protocols", true);
            RawWsConnection c = RawWsConnection.open(uri(server), (l, t) -> {});
            accepted.get(10, TimeUnit.SECONDS).close();
            awaitClosed(c);
            assertEquals(1006, c.closeCode());
        }
    }
}
