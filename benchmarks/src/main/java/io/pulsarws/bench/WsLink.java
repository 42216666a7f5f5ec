package io.pulsarws.bench;

/** One client WebSocket as the loads use it: text frames out, and how it ended. */
abstract class WsLink {
    private volatile int closeCode = -1;
    private volatile String closeReason;

    /** Sends a text frame, waiting while the socket takes no more; a frame sent after the close is dropped. */
    abstract void send(String frame) throws InterruptedException;

    /** Sends a normal close. */
    abstract void close();

    /** @return the close code the server sent (1006 for a connection lost without one), or -1 while open */
    final int closeCode() {
        return closeCode;
    }

    final String closeReason() {
        return closeReason;
    }

    /** Records the server's close frame. */
    protected final void closedBy(int code, String reason) {
        closeReason = reason;
        closeCode = code;
    }

    /** Records a connection lost without a close frame, unless one came first. */
    protected final void lost(String why) {
        if (closeCode < 0) {
            closeReason = why;
            closeCode = 1006;
        }
    }
}
