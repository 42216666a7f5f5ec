package io.pulsarws.websocket.internal.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The web console's files: what it says of each code is what the AsyncAPI description says (so the page and the
 * document cannot drift apart), the servlet serves exactly the files there are, and no file loads anything from
 * elsewhere (the console must work offline and its Content-Security-Policy would block it anyway).
 */
class ConsoleFilesTest {
    private static final Path CONSOLE = Paths.get("src/main/resources/console");
    private static final Path ASYNCAPI = Paths.get("../../docs/asyncapi.yaml");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(Path file) throws IOException {
        return (Map<String, Object>) new Yaml().load(Files.readString(file)); // JSON is YAML too
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> section(Map<String, Object> doc, String name, String field) {
        Map<String, Object> s = (Map<String, Object>) doc.get(name);
        return ((Map<Object, Object>) (field == null ? s : s.get(field)))
                .entrySet().stream()
                        .collect(Collectors.toMap(
                                e -> e.getKey().toString(), e -> e.getValue().toString()));
    }

    @Test
    void theConsoleExplainsEveryCodeInTheDocumentsWords() throws IOException {
        Map<String, Object> doc = load(ASYNCAPI);
        Map<String, Object> codes = load(CONSOLE.resolve("codes.json"));
        assertEquals(section(doc, "x-handshake-refusals", "statuses"), section(codes, "handshake", null));
        assertEquals(section(doc, "x-send-errors", "codes"), section(codes, "send", null));
        assertEquals(section(doc, "x-close-codes", "codes"), section(codes, "close", null));
        Set<String> browser = section(codes, "browser", null).keySet();
        assertEquals(Set.of("1005", "1006"), browser, "codes only a browser reports, which no server sends");
    }

    @Test
    void theServletServesExactlyTheConsolesFiles() throws IOException {
        try (Stream<Path> files = Files.list(CONSOLE)) {
            assertEquals(
                    ConsolePage.FILES.keySet(),
                    files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()));
        }
    }

    @Test
    void nothingIsLoadedFromElsewhere() throws IOException {
        Pattern reference = Pattern.compile("(?:src|href)\\s*=\\s*\"([^\"]*)\"|url\\(\\s*['\"]?([^)'\"]*)");
        Pattern remote = Pattern.compile("(?i)https?:[\\s\\S]*|//[\\s\\S]*|data:[\\s\\S]*|javascript:[\\s\\S]*");
        int seen = 0;
        for (String name : ConsolePage.FILES.keySet()) {
            Matcher m = reference.matcher(Files.readString(CONSOLE.resolve(name)));
            while (m.find()) {
                String target = m.group(1) != null ? m.group(1) : m.group(2);
                assertTrue(!remote.matcher(target).matches(), name + " loads " + target);
                seen++;
            }
        }
        assertTrue(seen >= 3, "the page's own stylesheet, script and the AsyncAPI link were found: " + seen);
        String js = Files.readString(CONSOLE.resolve("console.js"));
        assertTrue(!js.contains("eval(") && !js.contains("innerHTML"), "no eval, no HTML built from strings");
    }
}
