package io.pulsarws.websocket.internal.operations;

import io.pulsarws.websocket.transport.HttpExchange;
import io.pulsarws.websocket.transport.HttpRoute;
import java.io.IOException;
import java.io.InputStream;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * The API's AsyncAPI 3.0 description at {@value #PATH}: the very file kept in {@code docs/asyncapi.yaml}, which the
 * build copies into this bundle. It names no host, key or setting of this node, so it is served to anyone, as the
 * endpoints' paths are.
 */
@Component(
        service = HttpRoute.class,
        immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {HttpRoute.NAME + "=pulsar-websocket-asyncapi", HttpRoute.PATTERN + "=" + AsyncApiPage.PATH})
public class AsyncApiPage implements HttpRoute {
    static final String PATH = "/pulsar-websocket/asyncapi.yaml";
    static final String RESOURCE = "/asyncapi.yaml";

    private final byte[] document;

    public AsyncApiPage() throws IOException {
        try (InputStream in = AsyncApiPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the bundle");
            }
            document = in.readAllBytes();
        }
    }

    @Override
    public void serve(HttpExchange x) throws IOException {
        if (!Plain.getOnly(x)) {
            return;
        }
        x.status(200);
        x.contentType("application/yaml;charset=utf-8"); // RFC 9512
        x.header("Cache-Control", "no-cache");
        x.contentLength(document.length);
        x.body().write(document);
    }
}
