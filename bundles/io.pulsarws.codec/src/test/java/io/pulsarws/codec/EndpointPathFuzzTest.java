package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** Fuzzes {@link EndpointPath#parse}: a path is parsed or refused with a printable one-line reason, nothing else. */
class EndpointPathFuzzTest {

    @Property(tries = 3000)
    void anyPathIsParsedOrRefusedPlainly(@ForAll @StringLength(max = 200) String path) {
        check(path);
    }

    @Property(tries = 5000)
    void pathShapedInputIsParsedOrRefusedPlainly(@ForAll("paths") String path) {
        check(path);
    }

    private static void check(String path) {
        try {
            EndpointPath p = EndpointPath.parse(path);
            assertNotNull(p.kind());
            assertTrue(p.version() >= 1 && p.version() <= 3);
            assertTrue(
                    p.version() == 3
                            ? p.topic() == null
                            : p.topic() != null && !p.topic().isEmpty());
            assertTrue(
                    p.kind() != EndpointPath.Kind.CONSUMER || !p.subscription().isEmpty());
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            assertNotNull(m);
            assertTrue(m.chars().allMatch(c -> c >= 0x20 && c != 0x7f), "printable reason: " + m);
        }
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of(
                        "ws",
                        "v1",
                        "v2",
                        "v3",
                        "producer",
                        "consumer",
                        "reader",
                        "persistent",
                        "non-persistent",
                        "public",
                        "default",
                        "t",
                        "sub",
                        "",
                        "%2F",
                        "%zz",
                        "%",
                        "%0A",
                        "+",
                        ".."),
                Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(8));
        return segment.list().ofMinSize(1).ofMaxSize(9).map(s -> "/" + String.join("/", s));
    }
}
