package io.pulsarws.websocket.internal.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/**
 * Fuzzes {@link TokenValidator}: any text, and tokens built from headers and claims of every JSON type, signed or
 * not, are either accepted with a role or refused with an {@code InvalidTokenException} whose reason is one
 * printable line that never repeats the token; nothing else is thrown.
 */
class TokenValidatorFuzzTest {
    private static final String SECRET = "JSzqdRnM63Mz8E4W1twgAD29BsBNcIcUbUModVtAXVQ=";
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private final TokenValidator validator = new TokenValidator(SECRET, "", "", "", "gateway");

    @Property(tries = 3000)
    void anyTextIsRefusedPlainly(@ForAll @StringLength(max = 300) String token) {
        check(token);
    }

    @Property(tries = 5000)
    void tokenShapedInputIsAcceptedOrRefusedPlainly(@ForAll("tokens") String token) {
        check(token);
    }

    @Property(tries = 1000)
    void tokensSignedWithTheKeyAreAcceptedWithTheirRole(@ForAll("roles") String role) throws Exception {
        String token = sign("{\"alg\":\"HS256\"}", "{\"sub\":" + json(role) + ",\"aud\":\"gateway\"}");
        assertEquals(role, validator.validate(token, NOW).role());
    }

    private void check(String token) {
        try {
            TokenValidator.Claims c = validator.validate(token, NOW);
            assertFalse(c.role().isBlank());
        } catch (TokenValidator.InvalidTokenException e) {
            String m = e.getMessage();
            assertTrue(m != null && !m.isBlank());
            assertTrue(m.chars().allMatch(ch -> ch >= 0x20 && ch != 0x7f), "one printable line: " + m);
            assertTrue(token.length() < 8 || !m.contains(token), "the reason repeats the token: " + m);
        }
    }

    @Provide
    Arbitrary<String> roles() {
        return Arbitraries.strings()
                .alpha()
                .numeric()
                .withChars('-', '_', '.', '@')
                .ofMinLength(1)
                .ofMaxLength(40);
    }

    @Provide
    Arbitrary<String> tokens() {
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).map(TokenValidatorFuzzTest::json),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.of(
                        "null",
                        "true",
                        "[]",
                        "{}",
                        "[\"gateway\"]",
                        "1e999",
                        "-1",
                        "\"HS256\"",
                        "\"RS256\"",
                        "\"none\"",
                        "\"ES512\"",
                        "\"HS256\\n2026-11-29 | INFO | forged\"",
                        "9999999999999999999999"));
        Arbitrary<String> field = Combinators.combine(
                        Arbitraries.of("alg", "typ", "sub", "aud", "exp", "nbf", "kid", "crit", "x"), value)
                .as((k, v) -> json(k) + ":" + v);
        Arbitrary<String> object = field.list().ofMaxSize(5).map(f -> "{" + String.join(",", f) + "}");
        Arbitrary<String> part = Arbitraries.oneOf(
                object.map(TokenValidatorFuzzTest::b64url),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(20));
        return Combinators.combine(object, object, part, Arbitraries.of(0, 1, 2))
                .as((header, claims, sig, mode) -> {
                    try {
                        return switch (mode) {
                            case 0 -> sign(header, claims); // well signed, whatever the header and claims say
                            case 1 -> b64url(header) + "." + b64url(claims) + "." + sig;
                            default -> b64url(header) + "." + sig + "." + sig;
                        };
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    private static String sign(String header, String claims) throws Exception {
        String signing = b64url(header) + "." + b64url(claims);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET), "HmacSHA256"));
        return signing + "."
                + Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(mac.doFinal(signing.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String b64url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** @return {@code s} as a JSON string literal */
    private static String json(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
