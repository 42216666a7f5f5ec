package io.pulsarws.session.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pulsarws.codec.EndpointPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The AsyncAPI document ({@code docs/asyncapi.yaml}) against the code: the endpoints the path parser accepts and
 * the query parameters each endpoint reads must be exactly those the document lists. A parameter added to the code
 * and not to the document, or the other way round, fails here.
 */
class AsyncApiDocumentTest {
    static final Path DOCUMENT = Paths.get("../../docs/asyncapi.yaml");
    private static final SessionDefaults DEFAULTS = new SessionDefaults(1000, 500);

    @SuppressWarnings("unchecked")
    static Map<String, Object> document() throws IOException {
        return (Map<String, Object>) new Yaml().load(Files.readString(DOCUMENT));
    }

    /** Follows a local {@code $ref} ({@code #/a/b/c}) if the node is one. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> resolve(Map<String, Object> doc, Map<String, Object> node) {
        Object ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        Object at = doc;
        for (String part : ref.toString().substring(2).split("/")) {
            at = ((Map<String, Object>) at).get(part);
        }
        return resolve(doc, (Map<String, Object>) at);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    /** @return each channel's address made concrete (path parameters filled in) and parsed */
    private static Map<String, EndpointPath> documentedEndpoints(Map<String, Object> doc) {
        Map<String, EndpointPath> out = new TreeMap<>();
        map(doc.get("channels")).forEach((name, channel) -> {
            String address = map(channel).get("address").toString();
            String concrete = address.replace("{domain}", "persistent").replaceAll("\\{[a-z]+\\}", "x");
            out.put(name, EndpointPath.parse(concrete));
        });
        return out;
    }

    private static String label(EndpointPath p) {
        return p.kind().label() + " v" + p.version();
    }

    @Test
    void theDocumentHasExactlyTheEndpointsOfThePathParser() throws IOException {
        Set<String> code = new TreeSet<>();
        for (EndpointPath.Kind kind : EndpointPath.Kind.values()) {
            String k = kind.label();
            for (String path : new String[] {
                "/ws/" + k + "/persistent/p/c/ns/t" + (kind == EndpointPath.Kind.CONSUMER ? "/s" : ""),
                "/ws/v2/" + k + "/persistent/t/ns/t" + (kind == EndpointPath.Kind.CONSUMER ? "/s" : ""),
                "/ws/v3/" + k + "/s",
            }) {
                try {
                    code.add(label(EndpointPath.parse(path)));
                } catch (IllegalArgumentException e) {
                    // not an endpoint
                }
            }
        }
        Set<String> documented = new TreeSet<>();
        documentedEndpoints(document()).values().forEach(p -> documented.add(label(p)));
        assertEquals(7, code.size(), code.toString());
        assertEquals(code, documented);
    }

    @Test
    void eachEndpointReadsExactlyTheQueryParametersTheDocumentLists() throws IOException {
        Map<String, Object> doc = document();
        Map<String, EndpointPath> endpoints = documentedEndpoints(doc);
        for (Map.Entry<String, EndpointPath> e : endpoints.entrySet()) {
            Map<String, Object> binding = resolve(
                    doc, map(map(map(doc.get("channels")).get(e.getKey())).get("bindings")));
            Map<String, Object> query =
                    map(map(map(binding.get("ws")).get("query")).get("properties"));
            Set<String> documented = new TreeSet<>(query.keySet());
            assertTrue(
                    documented.remove("token"),
                    e.getKey() + ": ?token= is read by the endpoints' authentication and must be documented too");
            assertEquals(parametersRead(e.getValue()), documented, e.getKey() + " (" + label(e.getValue()) + ")");
        }
    }

    /** @return every query parameter the session manager asks for when it opens a session on this endpoint */
    private static Set<String> parametersRead(EndpointPath path) {
        Set<String> asked = new TreeSet<>();
        Map<String, String> values = new HashMap<>();
        if (path.version() == 3) {
            values.put("topics", "persistent://public/default/t"); // v3 needs one of its two
        }
        QueryParams q = new QueryParams(values, asked::add);
        switch (path.kind()) {
            case PRODUCER -> ProducerOptions.parse(q, DEFAULTS);
            case CONSUMER -> ConsumerOptions.parse(path, q, DEFAULTS);
            case READER -> ReaderOptions.parse(q, DEFAULTS);
            default -> throw new IllegalStateException(path.toString());
        }
        return asked;
    }
}
