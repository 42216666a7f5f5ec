package io.pulsarws.websocket.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The web console at {@value #PATH}{@code /}: a page that speaks only the public WebSocket API, so it is also a
 * working example of it. Its files are inside this bundle (nothing from a CDN: it works offline) and are served
 * from memory with a Content-Security-Policy that lets the page load nothing and connect nowhere but this origin.
 *
 * <p>{@code consoleEnabled} ({@code io.pulsarws.websocket}) is read on every request, so switching it off answers
 * 404 at once without touching the servlet's registration (which would restart the web context and drop every
 * open WebSocket); it also stops keeping {@link RefusalReports}.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern(ConsoleServlet.PATH + "/*")
@HttpWhiteboardServletName("pulsar-websocket-console")
public class ConsoleServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
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

    private final transient Map<String, byte[]> files = new HashMap<>();
    private final transient JsonFactory json = new JsonFactory();

    public ConsoleServlet() throws IOException {
        for (String name : FILES.keySet()) {
            try (InputStream in = ConsoleServlet.class.getResourceAsStream("/console/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("/console/" + name + " is missing from the bundle");
                }
                files.put(name, in.readAllBytes());
            }
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!settings.consoleEnabled()) {
            plain(resp, 404, "The web console is switched off (consoleEnabled=false in io.pulsarws.websocket)");
            return;
        }
        String rest = req.getPathInfo();
        if (rest == null) {
            resp.sendRedirect(req.getContextPath() + PATH + "/"); // relative links need the trailing slash
            return;
        }
        if (rest.startsWith(REFUSALS)) {
            String id = RefusalReports.validId(rest.substring(REFUSALS.length()));
            RefusalReports.Report report = id == null ? null : reports.take(id);
            if (report == null) {
                plain(
                        resp,
                        404,
                        "No refusal kept under this id (none, already read, or older than " + RefusalReports.TTL_SECONDS
                                + " s)");
                return;
            }
            resp.setStatus(200);
            resp.setContentType("application/json");
            resp.setHeader("Cache-Control", "no-store");
            try (JsonGenerator g = json.createGenerator(resp.getOutputStream())) {
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
            plain(resp, 404, "Not found");
            return;
        }
        resp.setStatus(200);
        resp.setContentType(FILES.get(name));
        resp.setHeader("Cache-Control", "no-cache");
        resp.setHeader("Content-Security-Policy", POLICY);
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setContentLength(file.length);
        resp.getOutputStream().write(file);
    }

    private static void plain(HttpServletResponse resp, int status, String text) throws IOException {
        resp.setStatus(status);
        resp.setContentType("text/plain;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
