package io.pulsarws.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The public proof of concept of CVE-2026-2332 (HTTP/1.1 request smuggling through chunk extensions): a chunked
 * POST whose chunk extension opens a quoted string that a CRLF ends, then a second request in the same bytes. A
 * parser that ends the quoted string at the CRLF reads a one-byte chunk and the last chunk, and then serves the
 * second request, which a proxy in front, reading the bytes as one body, never saw; a fixed parser fails the
 * first request's body and closes, serving nothing more.
 */
final class Smuggling {
    /** The smuggled request: {@code /health}, whose answer is easy to recognise. */
    static final String SMUGGLED = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";

    static final String PROOF_OF_CONCEPT = "POST /health HTTP/1.1\r\n"
            + "Host: localhost\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + "\r\n"
            + "1;ext=\"val\r\n"
            + "X\r\n"
            + "0\r\n"
            + "\r\n"
            + SMUGGLED;

    /** How {@link #send}'s answer ends when the server closed the connection. */
    static final String CLOSED = "[connection closed by the server]";

    private static final Pattern STATUS = Pattern.compile("(?m)^HTTP/1\\.1 (\\d{3})");

    private Smuggling() {}

    /**
     * Sends the proof of concept over one connection.
     *
     * @return everything the server answered until it closed the connection, or 5 s passed without a byte, then
     *     {@link #CLOSED} or a note that the connection stayed open
     */
    static String send(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(PROOF_OF_CONCEPT.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            String end = CLOSED;
            try {
                for (int n; (n = in.read(buf)) >= 0 && answer.size() < 1 << 20; ) {
                    answer.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                end = "[connection still open after 5 s]";
            }
            return answer.toString(StandardCharsets.ISO_8859_1) + end;
        }
    }

    /** @return the status codes of the responses in an answer, in order, e.g. "400" or "405 200" */
    static String statuses(String answer) {
        StringBuilder b = new StringBuilder();
        Matcher m = STATUS.matcher(answer);
        while (m.find()) {
            b.append(b.length() == 0 ? "" : " ").append(m.group(1));
        }
        return b.toString();
    }

    /** @return true if the smuggled request was served: {@code /health}'s own answer is in the bytes */
    static boolean smuggledServed(String answer) {
        return answer.contains("\"status\":\"UP\"");
    }

    /** @return true once {@code /health} answers 200 on this port (the gateway's servlets are registered) */
    static boolean healthUp(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write(SMUGGLED.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.startsWith("HTTP/1.1 200") && smuggledServed(answer);
        } catch (IOException e) {
            return false;
        }
    }
}
