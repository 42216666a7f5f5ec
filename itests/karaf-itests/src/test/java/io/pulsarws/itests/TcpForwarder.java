package io.pulsarws.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on loopback that a test can stall: while stalled it neither reads nor writes, in either
 * direction, on any connection, so that nothing is lost and nothing gets through, which is what a network partition
 * looks like to both ends (their writes fill the buffers, then block). Bytes read just before a stall are held and
 * written after it. New connections are accepted but not forwarded while stalled. Loopback only, bounded by the
 * connections its peers open.
 */
final class TcpForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** Guards {@link #stalled}; notified on resume. */
    private final Object gate = new Object();

    private boolean stalled;
    private volatile boolean closed;

    /**
     * @param port the port to listen on (127.0.0.1)
     * @param targetPort the port to forward to (127.0.0.1)
     */
    TcpForwarder(int port, int targetPort) throws IOException {
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        this.targetPort = targetPort;
        Thread acceptor = new Thread(this::accept, "forwarder-accept-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Stops all traffic, holding what is in flight. */
    void stall() {
        synchronized (gate) {
            stalled = true;
        }
    }

    /** Lets traffic flow again. */
    void resume() {
        synchronized (gate) {
            stalled = false;
            gate.notifyAll();
        }
    }

    /** @return the connections open through the forwarder, both sides counted */
    int sockets() {
        return sockets.size();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                awaitFlowing();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(target);
                pump(client, target);
                pump(target, client);
            } catch (IOException | InterruptedException e) {
                if (!closed) {
                    continue; // the target refused (a broker being restarted): that client sees its connection end
                }
                return;
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        while (true) {
                            awaitFlowing();
                            int n = in.read(buf);
                            if (n < 0) {
                                break;
                            }
                            awaitFlowing();
                            out.write(buf, 0, n);
                        }
                    } catch (IOException | InterruptedException e) {
                        // one side ended: end the other
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                    }
                },
                "forwarder-" + from.getPort() + "-" + to.getPort());
        t.setDaemon(true);
        t.start();
    }

    private void awaitFlowing() throws InterruptedException {
        synchronized (gate) {
            while (stalled && !closed) {
                gate.wait(); // woken by resume() or close()
            }
        }
    }

    private void closeQuietly(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() {
        closed = true;
        resume();
        try {
            server.close();
        } catch (IOException e) {
            // closed already
        }
        sockets.forEach(this::closeQuietly);
    }
}
