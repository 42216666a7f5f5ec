package io.pulsarws.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Holds the transport seam in place, from the sources: the endpoints bundle names no container type, a transport
 * bundle names no decision (only the seam), and the endpoints' packages depend on each other in one direction.
 */
class SeamTest {
    private static final Path BUNDLES =
            Path.of(System.getProperty("basedir", ".")).resolve("..");
    private static final Path CORE = BUNDLES.resolve("io.pulsarws.websocket/src/main/java/io/pulsarws/websocket");
    private static final Pattern IMPORT = Pattern.compile("^import (static )?([\\w.]+)", Pattern.MULTILINE);
    /** The container's types: servlets, Jetty, the whiteboards that register servlets. */
    private static final Pattern CONTAINER = Pattern.compile(
            "^(javax\\.servlet|jakarta\\.servlet|org\\.eclipse\\.jetty|org\\.osgi\\.service\\.(http|servlet))\\b");

    /** Which internal package may import which (edge at the bottom). */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "edge", Set.of(),
            "security", Set.of("edge"),
            "websocket", Set.of("edge", "security"),
            "fallback", Set.of("edge", "security"),
            "operations", Set.of("edge", "security"));

    private static List<Path> sources(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> imports(Path file) {
        try {
            Matcher m = IMPORT.matcher(Files.readString(file));
            List<String> out = new ArrayList<>();
            while (m.find()) {
                out.add(m.group(2));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theEndpointsNameNoContainerType() {
        List<Path> files = sources(CORE);
        assertTrue(files.size() > 40, "found the endpoints' sources: " + files.size());
        Set<String> offending = new TreeSet<>();
        for (Path f : files) {
            for (String i : imports(f)) {
                if (CONTAINER.matcher(i).find()) {
                    offending.add(CORE.relativize(f) + ": " + i);
                }
            }
        }
        assertEquals(Set.of(), offending);
    }

    @Test
    void aTransportKnowsTheSeamAndNoDecision() {
        List<Path> transports;
        try (Stream<Path> dirs = Files.list(BUNDLES)) {
            transports = dirs.filter(d -> d.getFileName().toString().startsWith("io.pulsarws.websocket.jetty"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertFalse(transports.isEmpty(), "found the transport bundles");
        Set<String> offending = new TreeSet<>();
        for (Path t : transports) {
            for (Path f : sources(t.resolve("src/main/java"))) {
                for (String i : imports(f)) {
                    if (i.startsWith("io.pulsarws.") && !i.startsWith("io.pulsarws.websocket.transport.")) {
                        offending.add(t.getFileName() + "/" + f.getFileName() + ": " + i);
                    }
                }
            }
        }
        assertEquals(Set.of(), offending);
    }

    @Test
    void theEndpointsPackagesDependOneWay() {
        Set<String> offending = new TreeSet<>();
        for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
            for (Path f : sources(CORE.resolve("internal").resolve(e.getKey()))) {
                for (String i : imports(f)) {
                    if (!i.startsWith("io.pulsarws.websocket.internal.")) {
                        continue;
                    }
                    String to = i.substring("io.pulsarws.websocket.internal.".length())
                            .split("\\.")[0];
                    if (!to.equals(e.getKey()) && !e.getValue().contains(to)) {
                        offending.add(e.getKey() + "/" + f.getFileName() + " -> " + to);
                    }
                }
            }
        }
        assertEquals(Set.of(), offending);
    }
}
