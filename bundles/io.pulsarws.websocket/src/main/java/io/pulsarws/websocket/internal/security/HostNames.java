package io.pulsarws.websocket.internal.security;

import io.pulsarws.websocket.transport.HttpExchange;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/** Host and Origin values as the browser checks compare them: names, ports, IP literals, allow-list entries. */
final class HostNames {
    private HostNames() {}

    /** @return the host name of a Host header, lower case, without the port; an IPv6 literal keeps its brackets */
    static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > h.lastIndexOf(']')) {
            h = h.substring(0, colon);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** @return true for localhost, an IP literal, or a name on the list (".example.com" allows its subdomains) */
    static boolean hostAllowed(String name, Set<String> allowed) {
        if (name.equals("localhost") || name.endsWith(".localhost") || isIpLiteral(name) || allowed.contains(name)) {
            return true;
        }
        for (String a : allowed) {
            if (a.startsWith(".") && (name.endsWith(a) || name.equals(a.substring(1)))) {
                return true;
            }
        }
        return false;
    }

    /** @return true for a dotted-quad IPv4 address or a bracketed IPv6 address */
    static boolean isIpLiteral(String name) {
        if (name.startsWith("[") && name.endsWith("]") && name.length() > 2) {
            for (int i = 1; i < name.length() - 1; i++) {
                char c = name.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.' || c == '%')) {
                    return false;
                }
            }
            return true;
        }
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3) {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** @return whether an Origin names the scheme, host and port the request was sent to */
    static boolean sameOrigin(String origin, HttpExchange x) {
        String host = x.header("Host");
        if (host == null) {
            return false;
        }
        try {
            URI o = URI.create(origin.trim());
            if (o.getHost() == null) {
                return false;
            }
            int port = o.getPort() >= 0 ? o.getPort() : "https".equalsIgnoreCase(o.getScheme()) ? 443 : 80;
            String expected = o.getHost().toLowerCase(Locale.ROOT);
            String h = host.trim().toLowerCase(Locale.ROOT);
            int colon = h.lastIndexOf(':');
            boolean hasPort = colon > h.lastIndexOf(']');
            String hostName = hasPort ? h.substring(0, colon) : h;
            int hostPort = hasPort ? Integer.parseInt(h.substring(colon + 1)) : x.secure() ? 443 : 80;
            return hostName.equals(expected) && hostPort == port;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** @return an Origin as the allow-list holds it: lower case, without a trailing slash */
    static String normalizeOrigin(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
