package io.pulsarws.websocket.internal.edge;

import io.pulsarws.websocket.transport.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request's query parameters, read from the query string alone. The container's {@code getParameter} would also
 * read a {@code POST}'s body when it is sent as a form ({@code curl -d} does so by default): up to hundreds of
 * kilobytes parsed by a library before the client is authenticated, and the body gone for the fallback's frames.
 * The query string is bounded by the connector's request header size (Jetty's default, 8 KiB; a longer one is
 * refused with 414 before any of this runs), and what is kept of it is never larger than it.
 */
public final class Query {
    private static final String ATTRIBUTE = Query.class.getName();

    private Query() {}

    /**
     * @return the first value of each parameter, in the query's order ({@code ""} for a name without {@code =});
     *     parsed once per request
     * @throws IllegalArgumentException when the query is not valid percent-encoded UTF-8
     */
    @SuppressWarnings("unchecked")
    public static Map<String, String> of(HttpExchange x) {
        Object known = x.attribute(ATTRIBUTE);
        if (known instanceof Map<?, ?> m) {
            return (Map<String, String>) m;
        }
        Map<String, String> params = Collections.unmodifiableMap(parse(x.query()));
        x.attribute(ATTRIBUTE, params);
        return params;
    }

    /**
     * @param raw a raw query string (percent-encoded, {@code +} for a space), or null
     * @return the first value of each parameter, in the query's order
     * @throws IllegalArgumentException when it is not valid percent-encoded UTF-8
     */
    static Map<String, String> parse(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.putIfAbsent(name, value);
        }
        return params;
    }

    /**
     * Percent-decoding ({@code +} is a space), then strict UTF-8 as the endpoints check text frames ({@link Utf8}): a
     * malformed escape or byte sequence throws. Never longer than {@code s}.
     */
    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
                if (lo < 0) {
                    throw new IllegalArgumentException("broken %-escape");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                bytes.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end - 1;
            }
        }
        byte[] b = bytes.toByteArray();
        if (!Utf8.isValid(b, 0, b.length)) {
            throw new IllegalArgumentException("not UTF-8");
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
