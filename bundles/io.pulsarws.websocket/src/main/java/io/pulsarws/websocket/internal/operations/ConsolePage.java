package io.pulsarws.websocket.internal.operations;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.pulsarws.websocket.internal.edge.RefusalReports;
import io.pulsarws.websocket.internal.edge.WebSocketSettings;
import io.pulsarws.websocket.transport.HttpExchange;
import io.pulsarws.websocket.transport.HttpRoute;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The web console at {@value #PATH}{@code /}: a page that speaks only the public WebSocket API, so it is also a
 * working example of it. Its files are inside this bundle (nothing from a CDN: it works offline) and are served
 * from memory with a Content-Security-Policy that lets the page load nothing and connect nowhere but this origin.
 *
 * <p>{@code consoleEnabled} ({@code io.pulsarws.websocket}) is read on every request, so switching it off answers
 * 404 at once without touching the servlet's registration (which would restart the web context and drop every
 * open WebSocket); it also stops keeping {@link RefusalReports}.
 */
@Component(
        service = HttpRoute.class,
        immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {HttpRoute.NAME + "=pulsar-websocket-console", HttpRoute.PATTERN + "=" + ConsolePage.PATH + "/*"})
public class ConsolePage implements HttpRoute {
    static final String PATH = "/pulsar-websocket/console";
    static final String REFUSALS = "/refusals/";

    /** The console's files (under {@code /console/} in the bundle) and their media types. */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html;charset=utf-8",
            "console.js", "text/javascript;charset=utf-8",
            "console.css", "text/css;charset=utf-8",
            "codes.json", "application/json",
            "favicon.svg", "image/svg+xml");

    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile WebSocketSettings settings;

    @Reference(policy = ReferencePolicy.DYNAMIC)
    private volatile RefusalReports reports;

    private final Map<String, byte[]> files = new HashMap<>();
    private final JsonFactory json = new JsonFactory();

    public ConsolePage() throws IOException {
        for (String name : FILES.keySet()) {
            try (InputStream in = ConsolePage.class.getResourceAsStream("/console/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("/console/" + name + " is missing from the bundle");
                }
                files.put(name, in.readAllBytes());
            }
        }
    }

    @Override
    public void serve(HttpExchange x) throws IOException {
        if (!Plain.getOnly(x)) {
            return;
        }
        if (!settings.consoleEnabled()) {
            plain(x, 404, "The web console is switched off (consoleEnabled=false in io.pulsarws.websocket)");
            return;
        }
        String rest = x.path().length() > PATH.length() ? x.path().substring(PATH.length()) : null;
        if (rest == null) {
            x.redirect(PATH + "/"); // relative links need the trailing slash
            return;
        }
        if (rest.startsWith(REFUSALS)) {
            String id = RefusalReports.validId(rest.substring(REFUSALS.length()));
            RefusalReports.Report report = id == null ? null : reports.take(id);
            if (report == null) {
                plain(
                        x,
                        404,
                        "No refusal kept under this id (none, already read, or older than " + RefusalReports.TTL_SECONDS
                                + " s)");
                return;
            }
            x.status(200);
            x.contentType("application/json");
            x.header("Cache-Control", "no-store");
            try (JsonGenerator g = json.createGenerator(x.body())) {
                g.writeStartObject();
                g.writeNumberField("status", report.status());
                g.writeStringField("reason", report.reason());
                g.writeEndObject();
            }
            return;
        }
        String name = "/".equals(rest) ? "index.html" : rest.substring(1);
        byte[] file = files.get(name);
        if (file == null) {
            plain(x, 404, "Not found");
            return;
        }
        x.status(200);
        x.contentType(FILES.get(name));
        x.header("Cache-Control", "no-cache");
        x.header("Content-Security-Policy", POLICY);
        x.header("X-Content-Type-Options", "nosniff");
        x.header("Referrer-Policy", "no-referrer");
        x.contentLength(file.length);
        x.body().write(file);
    }

    private static void plain(HttpExchange x, int status, String text) throws IOException {
        x.status(status);
        x.contentType("text/plain;charset=utf-8");
        x.header("Cache-Control", "no-store");
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        x.contentLength(body.length);
        x.body().write(body);
    }
}
