package io.pulsarws.websocket.internal.drain;

/** {@code io.pulsarws:type=Drain}: the node's drain, for JMX consoles and scripts (the shell has pulsar-ws:drain). */
public interface DrainMXBean {
    /** @return true while the node drains */
    boolean isDraining();

    /** @return when the drain under way began (ISO-8601), or empty */
    String getSince();

    /** @return the node's open connections: WebSockets, event streams, producer POSTs in progress */
    int getOpenConnections();

    /** @return connections the drain under way has asked to close */
    int getAskedToClose();

    /** @return connections closed by drains since the endpoints started */
    long getClosedByDrains();

    /**
     * Starts draining: new clients refused, open connections closed over {@code periodSeconds} (negative: the
     * configured {@code drainPeriodSeconds}).
     */
    void drain(int periodSeconds);

    /** Serves new clients again. */
    void resume();
}
