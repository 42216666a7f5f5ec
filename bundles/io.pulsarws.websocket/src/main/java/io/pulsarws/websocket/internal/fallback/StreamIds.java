package io.pulsarws.websocket.internal.fallback;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The ids of one component's event streams: a prefix of the node's (8 random characters and a dot, fixed for the
 * component's life), then 18 random bytes. A command whose stream is not here is told whether the stream was this
 * node's (404: it ended) or another's (421: misdirected).
 */
final class StreamIds {
    /** The characters of a stream id after its node's prefix: 18 random bytes in base64url. */
    private static final int STREAM_ID_CHARS = 24;

    private final SecureRandom random = new SecureRandom();
    private final String node;

    StreamIds() {
        byte[] b = new byte[6];
        random.nextBytes(b);
        this.node = Base64.getUrlEncoder().withoutPadding().encodeToString(b) + ".";
    }

    /** @return a new stream id: this node's prefix, then 18 random bytes */
    String next() {
        byte[] b = new byte[18];
        random.nextBytes(b);
        return node + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** @return true if {@code id} has the shape of a stream id but another node's prefix */
    boolean anotherNodes(String id) {
        return id.length() == node.length() + STREAM_ID_CHARS
                && id.charAt(node.length() - 1) == '.'
                && !id.startsWith(node);
    }
}
