package io.pulsarws.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Broker-decided authorization for many users: every user (role) has its own token and a grant on one namespace,
 * and opens one consumer. The same users against Pulsar's WebSocket proxy (which evaluates the stored policies
 * itself and connects as a super-user) and against this gateway (which connects as each role and lets the broker
 * decide). Handshakes one after another, each timed from connect to the end of the 101's headers.
 */
final class AuthzLoad {
    private AuthzLoad() {}

    /**
     * What one target did.
     *
     * @param handshakeMillis every handshake's time, in the order they were opened
     * @param refused handshakes answered with anything but 101
     */
    record Result(double[] handshakeMillis, int refused) {
        double percentile(double p) {
            double[] sorted = handshakeMillis.clone();
            Arrays.sort(sorted);
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }

    static String role(int i) {
        return String.format("bench-user-%05d", i);
    }

    /** @return an HS256 token of the role, signed with the broker's secret key (the bytes of its file) */
    static String token(byte[] secret, String role) throws Exception {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        String head = b.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8));
        String body = b.encodeToString(("{\"sub\":\"" + role + "\"}").getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        byte[] sig = mac.doFinal((head + "." + body).getBytes(StandardCharsets.US_ASCII));
        return head + "." + body + "." + b.encodeToString(sig);
    }

    /** Creates the tenant and namespace and grants each user consume there, with the super-user's token. */
    static void grant(HttpClient http, String web, String admin, String namespace, int users) throws Exception {
        String tenant = namespace.substring(0, namespace.indexOf('/'));
        call(http, web, admin, "PUT", "/admin/v2/tenants/" + tenant, "{\"allowedClusters\":[\"standalone\"]}");
        call(http, web, admin, "PUT", "/admin/v2/namespaces/" + namespace, "");
        for (int i = 0; i < users; i++) {
            call(
                    http,
                    web,
                    admin,
                    "POST",
                    "/admin/v2/namespaces/" + namespace + "/permissions/" + role(i),
                    "[\"consume\"]");
        }
    }

    private static void call(HttpClient http, String web, String token, String method, String path, String body)
            throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(web + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .method(
                                method,
                                body.isEmpty()
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2 && r.statusCode() != 409) {
            throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    /**
     * Opens one consumer per user on {@code ws://host:port}, one after another; the sockets stay open in
     * {@code open} (the caller measures what holding them costs, then closes them).
     */
    static Result open(String hostPort, String namespace, String topic, byte[] secret, int users, List<Socket> open)
            throws Exception {
        String host = hostPort.substring(0, hostPort.indexOf(':'));
        int port = Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1));
        double[] millis = new double[users];
        int ok = 0;
        int refused = 0;
        for (int i = 0; i < users; i++) {
            String request = "GET /ws/v2/consumer/persistent/" + namespace + "/" + topic + "/sub-" + i
                    + " HTTP/1.1\r\nHost: " + hostPort + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Authorization: Bearer " + token(secret, role(i)) + "\r\n\r\n";
            long t0 = System.nanoTime();
            Socket s = new Socket();
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout(60_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            String status = line(in);
            while (!line(in).isEmpty()) {
                // the rest of the response's headers
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (status.contains(" 101 ")) {
                millis[ok++] = ms;
                open.add(s);
            } else {
                refused++;
                if (refused <= 3) {
                    System.out.println("== refused: " + status);
                }
                s.close();
            }
        }
        return new Result(Arrays.copyOf(millis, ok), refused);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    static void closeAll(List<Socket> sockets) {
        for (Socket s : new ArrayList<>(sockets)) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        sockets.clear();
    }
}
