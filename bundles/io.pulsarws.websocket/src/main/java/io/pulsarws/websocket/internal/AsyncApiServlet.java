package io.pulsarws.websocket.internal;

import java.io.IOException;
import java.io.InputStream;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The API's AsyncAPI 3.0 description at {@value #PATH}: the very file kept in {@code docs/asyncapi.yaml}, which the
 * build copies into this bundle. It names no host, key or setting of this node, so it is served to anyone, as the
 * endpoints' paths are.
 */
@Component(service = Servlet.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
@HttpWhiteboardServletPattern(AsyncApiServlet.PATH)
@HttpWhiteboardServletName("pulsar-websocket-asyncapi")
public class AsyncApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String PATH = "/pulsar-websocket/asyncapi.yaml";
    static final String RESOURCE = "/asyncapi.yaml";

    private final byte[] document;

    public AsyncApiServlet() throws IOException {
        try (InputStream in = AsyncApiServlet.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the bundle");
            }
            document = in.readAllBytes();
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setStatus(200);
        resp.setContentType("application/yaml;charset=utf-8"); // RFC 9512
        resp.setHeader("Cache-Control", "no-cache");
        resp.setContentLength(document.length);
        resp.getOutputStream().write(document);
    }
}
