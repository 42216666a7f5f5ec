package io.pulsarws.codec;

/** A frame that could not be read; carries the API error code and, when it was read, the client's context. */
public class FrameException extends Exception {
    private static final long serialVersionUID = 1L;

    private final WebSocketError error;
    private final String context;

    /**
     * @param error the API error code
     * @param message a short reason for the client
     * @param context the frame's {@code context}, or null when it was absent or unreadable
     */
    public FrameException(WebSocketError error, String message, String context) {
        super(message, null, false, false);
        this.error = error;
        this.context = context;
    }

    /** @return the API error code */
    public WebSocketError error() {
        return error;
    }

    /** @return the frame's {@code context}, or null */
    public String context() {
        return context;
    }
}
