package io.pulsarws.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenValidatorTest {
    /** Made with Pulsar 4.0.7's own tool: {@code tokens create-secret-key} then {@code tokens create}. */
    private static final String PULSAR_SECRET = "JSzqdRnM63Mz8E4W1twgAD29BsBNcIcUbUModVtAXVQ=";

    private static final String PULSAR_HS256_ALICE =
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.DovwNWRKehhy8FMeywdS2g2go41CalFhiB0RGOXTNFc";
    /** {@code tokens create --secret-key ... --subject alice -e 1y}: expires 2027-11-28T10:10:31Z. */
    private static final String PULSAR_HS256_ALICE_1Y = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTgyNzM5Nj"
            + "YzMX0.TJNHXGpjufgmr_xWBOyPny3LKsJmtItQql1Nd21ovlg";
    /** {@code tokens create-key-pair -a ES256} then {@code tokens create -a ES256 --private-key ...}. */
    private static final String PULSAR_EC_PUBLIC =
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETK8d4j+HzNV/G2cXAo06UaLGbZqUC3ng"
                    + "x21jYTFfHYuhkWkZqAibUl8FwF0jzPw33FERdyY6STtxiPnPIY7W6A==";

    private static final String PULSAR_ES256_EC_USER =
            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJlYy11c2VyIn0.sWNZiAyy25TM_1CZrzHi4"
                    + "JMDBrjE6h8MQtLxDI3wXpMtBGoQNrraiRTJFC9JKiJsBKf7d1EQHpHbtwM2sMNu4w";

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    private static TokenValidator secret(String key) {
        return new TokenValidator(key, "", "", "", "");
    }

    @Test
    void acceptsTokensMadeByPulsarsOwnTool() throws Exception {
        assertEquals(
                new TokenValidator.Claims("alice", null), secret(PULSAR_SECRET).validate(PULSAR_HS256_ALICE, NOW));
        TokenValidator.Claims expiring = secret(PULSAR_SECRET).validate(PULSAR_HS256_ALICE_1Y, NOW);
        assertEquals(Instant.ofEpochSecond(1827396631L), expiring.expiresAt());
        TokenValidator ec = new TokenValidator("", PULSAR_EC_PUBLIC, "", "", "");
        assertEquals("ec-user", ec.validate(PULSAR_ES256_EC_USER, NOW).role());
    }

    /** Found by the fuzz test: an {@code exp} beyond Instant's range threw DateTimeException (the handshake: 500). */
    @Test
    void anExpiryCenturiesAwayIsAcceptedAndNotTracked() throws Exception {
        byte[] key = Base64.getDecoder().decode(PULSAR_SECRET);
        for (String exp : new String[] {"9223372036854775807", "1e300", "31556889864403200", "9999999999999"}) {
            String token = hs256(key, "{\"sub\":\"alice\",\"exp\":" + exp + "}");
            assertEquals(
                    new TokenValidator.Claims("alice", null),
                    secret(PULSAR_SECRET).validate(token, NOW),
                    exp);
        }
        String inAYear = hs256(key, "{\"sub\":\"alice\",\"exp\":" + (NOW.getEpochSecond() + 31_536_000) + "}");
        assertEquals(
                NOW.plusSeconds(31_536_000),
                secret(PULSAR_SECRET).validate(inAYear, NOW).expiresAt());
    }

    @Test
    void readsKeysInEveryFormThePulsarSettingsTake(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("secret.key");
        Files.write(file, Base64.getDecoder().decode(PULSAR_SECRET));
        for (String form : new String[] {
            PULSAR_SECRET, "data:;base64," + PULSAR_SECRET, file.toUri().toString(), file.toString()
        }) {
            assertEquals("alice", secret(form).validate(PULSAR_HS256_ALICE, NOW).role(), form);
        }
    }

    @Test
    void refusesABadSignatureAnotherKeyAndGarbage() {
        byte[] other = new byte[32];
        other[0] = 1;
        String sig = PULSAR_HS256_ALICE.substring(PULSAR_HS256_ALICE.lastIndexOf('.') + 1);
        String tampered = PULSAR_HS256_ALICE.replace(sig, sig.substring(0, sig.length() - 2) + "AA");
        assertEquals("bad signature", refusal(secret(PULSAR_SECRET), tampered));
        assertEquals("bad signature", refusal(secret(Base64.getEncoder().encodeToString(other)), PULSAR_HS256_ALICE));
        // the payload of another subject under alice's signature
        String[] parts = PULSAR_HS256_ALICE.split("\\.");
        String forged = parts[0] + "." + b64url("{\"sub\":\"admin\"}") + "." + parts[2];
        assertEquals("bad signature", refusal(secret(PULSAR_SECRET), forged));
        assertTrue(refusal(secret(PULSAR_SECRET), "not-a-token").startsWith("not a signed JWT"));
        assertTrue(refusal(secret(PULSAR_SECRET), "a.b.c").length() > 0);
        assertTrue(refusal(secret(PULSAR_SECRET), "").length() > 0);
    }

    @Test
    void refusesAlgorithmsTheKeyDoesNotFix() throws Exception {
        String unsigned = b64url("{\"alg\":\"none\"}") + "." + b64url("{\"sub\":\"admin\"}") + ".";
        assertTrue(refusal(secret(PULSAR_SECRET), unsigned).startsWith("not a signed JWT"));
        String noneSigned = b64url("{\"alg\":\"none\"}") + "." + b64url("{\"sub\":\"admin\"}") + ".AAAA";
        assertEquals("algorithm none does not fit a secret key", refusal(secret(PULSAR_SECRET), noneSigned));
        // HMAC keyed with the public key's bytes, the classic confusion attack
        byte[] publicBytes = Base64.getDecoder().decode(PULSAR_EC_PUBLIC);
        String confused = hs256(publicBytes, "{\"sub\":\"admin\"}");
        assertEquals(
                "algorithm HS256 does not fit the configured public key",
                refusal(new TokenValidator("", PULSAR_EC_PUBLIC, "", "", ""), confused));
        // an ES token against a secret key
        assertEquals("algorithm ES256 does not fit a secret key", refusal(secret(PULSAR_SECRET), PULSAR_ES256_EC_USER));
    }

    @Test
    void checksExpiryNotBeforeAudienceAndRoleClaim() throws Exception {
        byte[] key = Base64.getDecoder().decode(PULSAR_SECRET);
        long now = NOW.getEpochSecond();
        assertEquals("expired", refusal(secret(PULSAR_SECRET), hs256(key, "{\"sub\":\"a\",\"exp\":" + now + "}")));
        assertEquals(
                Instant.ofEpochSecond(now + 1),
                secret(PULSAR_SECRET)
                        .validate(hs256(key, "{\"sub\":\"a\",\"exp\":" + (now + 1) + "}"), NOW)
                        .expiresAt());
        assertEquals(
                "not valid yet (nbf)",
                refusal(secret(PULSAR_SECRET), hs256(key, "{\"sub\":\"a\",\"nbf\":" + (now + 60) + "}")));
        assertEquals("no role in claim 'sub'", refusal(secret(PULSAR_SECRET), hs256(key, "{\"name\":\"a\"}")));
        TokenValidator custom = new TokenValidator(PULSAR_SECRET, "", "role", "", "");
        assertEquals(
                "ops",
                custom.validate(hs256(key, "{\"sub\":\"a\",\"role\":\"ops\"}"), NOW)
                        .role());
        TokenValidator audience = new TokenValidator(PULSAR_SECRET, "", "", "", "gateway");
        assertEquals(
                "a",
                audience.validate(hs256(key, "{\"sub\":\"a\",\"aud\":[\"x\",\"gateway\"]}"), NOW)
                        .role());
        assertEquals(
                "a",
                audience.validate(hs256(key, "{\"sub\":\"a\",\"aud\":\"gateway\"}"), NOW)
                        .role());
        assertEquals("not for this audience", refusal(audience, hs256(key, "{\"sub\":\"a\",\"aud\":\"broker\"}")));
        assertEquals("not for this audience", refusal(audience, PULSAR_HS256_ALICE));
        assertNull(secret(PULSAR_SECRET).validate(PULSAR_HS256_ALICE, NOW).expiresAt());
    }

    @Test
    void verifiesEveryAsymmetricFamily() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair r = rsa.generateKeyPair();
        String rsaPublic = Base64.getEncoder().encodeToString(r.getPublic().getEncoded());
        TokenValidator v = new TokenValidator("", rsaPublic, "", "", "");
        for (String alg : new String[] {"RS256", "RS384", "RS512", "PS256", "PS512"}) {
            assertEquals(
                    "bob",
                    v.validate(signed(alg, r.getPrivate(), "{\"sub\":\"bob\"}"), NOW)
                            .role(),
                    alg);
        }
        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair e = ecGen.generateKeyPair();
        TokenValidator ec = new TokenValidator(
                "", Base64.getEncoder().encodeToString(e.getPublic().getEncoded()), "", "", "");
        assertEquals(
                "carol",
                ec.validate(signed("ES384", e.getPrivate(), "{\"sub\":\"carol\"}"), NOW)
                        .role());
        // an RSA-signed token against the EC key
        assertEquals(
                "algorithm RS256 does not fit the configured public key",
                refusal(ec, signed("RS256", r.getPrivate(), "{\"sub\":\"carol\"}")));
        // an EC key pair of another curve signing with the right algorithm name
        KeyPairGenerator other = KeyPairGenerator.getInstance("EC");
        other.initialize(new ECGenParameterSpec("secp384r1"));
        assertEquals(
                "bad signature",
                refusal(ec, signed("ES384", other.generateKeyPair().getPrivate(), "{\"sub\":\"carol\"}")));
    }

    @Test
    void aConfigurationNeedsExactlyOneUsableKey() {
        assertThrows(IllegalArgumentException.class, () -> new TokenValidator("", "", "", "", ""));
        assertThrows(
                IllegalArgumentException.class, () -> new TokenValidator(PULSAR_SECRET, PULSAR_EC_PUBLIC, "", "", ""));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new TokenValidator("", "bm90IGEga2V5", "", "", ""));
        assertFalse(e.getMessage().contains("bm90IGEga2V5"));
        assertThrows(IllegalArgumentException.class, () -> secret("file:///does/not/exist"));
    }

    private static String refusal(TokenValidator v, String token) {
        TokenValidator.InvalidTokenException e =
                assertThrows(TokenValidator.InvalidTokenException.class, () -> v.validate(token, NOW));
        if (!token.isEmpty()) {
            assertFalse(e.getMessage().contains(token), "the reason must not carry the token");
        }
        return e.getMessage();
    }

    private static String b64url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String hs256(byte[] key, String payload) throws Exception {
        String signing = b64url("{\"alg\":\"HS256\"}") + "." + b64url(payload);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return signing + "."
                + Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(mac.doFinal(signing.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String signed(String alg, PrivateKey key, String payload) throws Exception {
        String signing = b64url("{\"alg\":\"" + alg + "\"}") + "." + b64url(payload);
        String bits = alg.substring(2);
        Signature s;
        if (alg.startsWith("PS")) {
            s = Signature.getInstance("RSASSA-PSS");
            s.setParameter(new PSSParameterSpec(
                    "SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits), Integer.parseInt(bits) / 8, 1));
        } else if (alg.startsWith("ES")) {
            s = Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
        } else {
            s = Signature.getInstance("SHA" + bits + "withRSA");
        }
        s.initSign(key);
        s.update(signing.getBytes(StandardCharsets.US_ASCII));
        return signing + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    }
}
