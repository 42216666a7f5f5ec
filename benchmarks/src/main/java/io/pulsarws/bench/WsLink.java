package io.pulsarws.bench;

/** One client WebSocket as the loads use it: text frames out, and how it ended. */
interface WsLink {
    /** Sends a text frame, waiting while the socket takes no more; a frame sent after the close is dropped. */
    void send(String frame) throws InterruptedException;

    /** @return the close code the server sent (1006 for a connection lost without one), or -1 while open */
    int closeCode();

    String closeReason();

    /** Sends a normal close. */
    void close();
}
