package io.pulsarws.websocket.internal.operations;

import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Small answers the operations pages share. Stateless. */
final class Plain {
    private Plain() {}

    /**
     * Lets only {@code GET} and {@code HEAD} through, as a servlet that serves only {@code GET} does.
     *
     * @return true to go on; false when the request was answered 405
     */
    static boolean getOnly(HttpExchange x) throws IOException {
        String method = x.method();
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return true;
        }
        x.header("Allow", "GET, HEAD");
        answer(x, 405, "Method not allowed here; allowed: GET, HEAD");
        return false;
    }

    /** Answers with a status and one line of plain text, never cached. */
    static void answer(HttpExchange x, int status, String text) throws IOException {
        x.status(status);
        x.contentType("text/plain;charset=utf-8");
        x.header("Cache-Control", "no-store");
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        x.contentLength(body.length);
        x.body().write(body);
    }
}
