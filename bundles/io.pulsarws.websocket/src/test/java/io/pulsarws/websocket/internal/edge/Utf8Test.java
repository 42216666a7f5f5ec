package io.pulsarws.websocket.internal.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The UTF-8 check agrees with the JDK's strict decoder on any bytes, and refuses every form RFC 3629 forbids. */
class Utf8Test {

    @Test
    void refusesWhatRfc3629Forbids() {
        for (String bad : new String[] {
            "80", // a continuation byte alone
            "c080",
            "c1bf", // overlong 2-byte forms
            "e08080",
            "e09fbf", // overlong 3-byte forms
            "eda080",
            "edbfbf", // surrogates
            "f0808080",
            "f08fbfbf", // overlong 4-byte forms
            "f4908080",
            "f5808080",
            "ff", // above U+10FFFF, bytes that start nothing
            "e282",
            "f09f98",
            "c3", // cut short
            "c328",
            "e228a1",
            "f0289f98" // a continuation byte missing
        }) {
            byte[] b = HexFormat.of().parseHex(bad);
            assertFalse(Utf8.isValid(b, 0, b.length), bad);
            assertFalse(jdk(b, 0, b.length), "the JDK agrees: " + bad);
        }
    }

    @Test
    void acceptsEveryPlaneAndReadsOnlyItsRange() {
        byte[] b = "a\u00e9\u20ac\ud83d\ude00\uffff\udbff\udfff".getBytes(StandardCharsets.UTF_8);
        assertTrue(Utf8.isValid(b, 0, b.length));
        byte[] framed = new byte[b.length + 2];
        framed[0] = (byte) 0xff; // invalid bytes around the range are not read
        framed[framed.length - 1] = (byte) 0xe2;
        System.arraycopy(b, 0, framed, 1, b.length);
        assertTrue(Utf8.isValid(framed, 1, b.length));
        assertFalse(Utf8.isValid(framed, 1, b.length - 1), "a 4-byte sequence cut at the end of the range");
    }

    @Property(tries = 20_000)
    void agreesWithTheJdkOnAnyBytes(@ForAll("nearlyUtf8") byte[] b) {
        assertEquals(
                jdk(b, 0, b.length),
                Utf8.isValid(b, 0, b.length),
                HexFormat.of().formatHex(b));
    }

    /** Random bytes rarely form UTF-8: text's bytes, some of them changed, cut or swapped, test the edges. */
    @Provide
    Arbitrary<byte[]> nearlyUtf8() {
        Arbitrary<byte[]> text = Arbitraries.strings()
                .withCharRange('\u0000', '\uffff')
                .ofMaxLength(12)
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> changed = text.flatMap(b -> b.length == 0
                ? Arbitraries.just(b)
                : Arbitraries.integers()
                        .between(0, b.length - 1)
                        .flatMap(at -> Arbitraries.bytes().map(v -> {
                            byte[] c = b.clone();
                            c[at] = v;
                            return c;
                        })));
        Arbitrary<byte[]> cut =
                text.flatMap(b -> Arbitraries.integers().between(0, b.length).map(n -> java.util.Arrays.copyOf(b, n)));
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(8);
        Arbitrary<byte[]> leads = Arbitraries.of(
                        (byte) 0xc2,
                        (byte) 0xdf,
                        (byte) 0xe0,
                        (byte) 0xed,
                        (byte) 0xef,
                        (byte) 0xf0,
                        (byte) 0xf4,
                        (byte) 0x80,
                        (byte) 0x8f,
                        (byte) 0x90,
                        (byte) 0x9f,
                        (byte) 0xa0,
                        (byte) 0xbf,
                        (byte) 0x41)
                .array(byte[].class)
                .ofMaxSize(6);
        return Arbitraries.oneOf(text, changed, cut, any, leads);
    }

    private static boolean jdk(byte[] b, int offset, int length) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, offset, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
