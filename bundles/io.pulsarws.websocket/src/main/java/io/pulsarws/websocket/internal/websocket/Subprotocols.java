package io.pulsarws.websocket.internal.websocket;

import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.websocket.internal.edge.RefusalReports;
import java.util.List;

/**
 * What a client offers in {@code Sec-WebSocket-Protocol}, the one header a browser's {@code new WebSocket(url,
 * protocols)} can set: the gateway's own protocol name, and a token for browsers, which cannot send an
 * {@code Authorization} header and should not put a token in the URL (where proxies, access logs and the browser's
 * history keep it).
 *
 * <p>The documented form is {@code new WebSocket(url, ["pulsar-websocket", "token." + jwt])}. The handshake answers
 * with {@code pulsar-websocket}, never with the token, as RFC 6455 asks of a server that accepts one of the offered
 * protocols (browsers fail a handshake whose answer names none of them). A token offered without
 * {@code pulsar-websocket} would leave the server nothing to answer but the token itself, so it is refused (400).
 * Other offered names are ignored, as before. A subprotocol is an RFC 7230 token, so only tokens made of those
 * characters fit (compact JWTs do); others go in {@code Authorization} or {@code ?token=}.
 *
 * <p>The web console also offers {@code report.<id>} (16 to 64 of {@code A-Z a-z 0-9 _ -}): a browser never sees the
 * status of a refused handshake, so the gateway keeps the refusal under that id for the page to fetch
 * ({@link RefusalReports}). A malformed or second report id is ignored, as other names are.
 *
 * <p>The header is bounded before it is read: at most {@link #MAX_ENTRIES} names and {@link #MAX_CHARS} characters
 * in all, else 400.
 */
public final class Subprotocols {
    /** The gateway's protocol name, the one the handshake answers with. */
    static final String PROTOCOL = "pulsar-websocket";

    /** The prefix of the offered name that carries a token. */
    static final String TOKEN_PREFIX = "token.";

    /** The prefix of the offered name under which a refusal is kept for the web console. */
    static final String REPORT_PREFIX = "report.";

    static final int MAX_ENTRIES = 16;
    static final int MAX_CHARS = 16 * 1024;

    private static final Subprotocols NONE = new Subprotocols(false, null, null);

    private final boolean offered;
    private final String token;
    private final String report;

    private Subprotocols(boolean offered, String token, String report) {
        this.offered = offered;
        this.token = token;
        this.report = report;
    }

    /** @return true if the client offered {@value #PROTOCOL}: the handshake must then answer with it */
    boolean offered() {
        return offered;
    }

    /** @return the token offered as {@code token.<token>}, or null */
    String token() {
        return token;
    }

    /** @return the well-formed id offered as {@code report.<id>}, or null */
    String report() {
        return report;
    }

    /**
     * Reads every {@code Sec-WebSocket-Protocol} header of a request (a client may send several, or one with a
     * comma-separated list).
     *
     * @param headers the header's values, or null if there are none
     * @throws OpenRefusedException 400 for a header over its bounds, two tokens, or a token without {@value #PROTOCOL}
     */
    static Subprotocols of(List<String> headers) throws OpenRefusedException {
        if (headers == null || headers.isEmpty()) {
            return NONE;
        }
        boolean offered = false;
        String token = null;
        String report = null;
        int entries = 0;
        int chars = 0;
        for (String header : headers) {
            chars += header.length();
            if (chars > MAX_CHARS) {
                throw new OpenRefusedException(400, "Sec-WebSocket-Protocol is over " + MAX_CHARS + " characters");
            }
            for (String part : header.split(",", -1)) {
                String name = part.trim();
                if (name.isEmpty()) {
                    continue; // "a, , b" and a trailing comma: empty list elements, which RFC 7230 lets through
                }
                if (++entries > MAX_ENTRIES) {
                    throw new OpenRefusedException(
                            400, "Sec-WebSocket-Protocol offers over " + MAX_ENTRIES + " subprotocols");
                }
                if (name.equals(PROTOCOL)) {
                    offered = true;
                } else if (name.regionMatches(true, 0, TOKEN_PREFIX, 0, TOKEN_PREFIX.length())) {
                    if (token != null) {
                        throw new OpenRefusedException(400, "Sec-WebSocket-Protocol offers two tokens");
                    }
                    token = name.substring(TOKEN_PREFIX.length());
                    if (token.isEmpty()) {
                        throw new OpenRefusedException(400, "Sec-WebSocket-Protocol offers an empty token");
                    }
                } else if (report == null && name.startsWith(REPORT_PREFIX)) {
                    report = RefusalReports.validId(name.substring(REPORT_PREFIX.length()));
                }
            }
        }
        if (token != null && !offered) {
            throw new OpenRefusedException(
                    400,
                    "A token in Sec-WebSocket-Protocol needs \"" + PROTOCOL
                            + "\" offered beside it: new WebSocket(url, [\"" + PROTOCOL + "\", \"" + TOKEN_PREFIX
                            + "<token>\"])");
        }
        return new Subprotocols(offered, token, report);
    }

    @Override
    public String toString() {
        return "Subprotocols[" + (offered ? PROTOCOL : "-") + (token == null ? "" : ", a token")
                + (report == null ? "" : ", report " + report) + "]"; // never it
    }
}
