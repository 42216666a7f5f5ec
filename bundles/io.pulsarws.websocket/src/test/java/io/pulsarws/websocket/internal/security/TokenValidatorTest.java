package io.pulsarws.websocket.internal.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
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

    /** RFC 7515 section 4.1.11: nothing is understood here, so a critical extension (or a broken crit) refuses. */
    @Test
    void refusesACriticalHeaderItDoesNotUnderstand() throws Exception {
        byte[] key = Base64.getDecoder().decode(PULSAR_SECRET);
        String payload = "{\"sub\":\"alice\"}";
        assertEquals(
                "alice",
                secret(PULSAR_SECRET)
                        .validate(hmac("HS256", key, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload), NOW)
                        .role());
        for (String crit : new String[] {"[\"exp\"]", "[\"b64\"],\"b64\":false", "[\"x\",\"y\"]"}) {
            String token = hmac("HS256", key, "{\"alg\":\"HS256\",\"crit\":" + crit + "}", payload);
            assertEquals("unsupported critical header", refusal(secret(PULSAR_SECRET), token), crit);
        }
        for (String crit : new String[] {"[]", "\"exp\"", "[1]", "[\"exp\",2]", "null", "{}", "true", "[[\"exp\"]]"}) {
            String token = hmac("HS256", key, "{\"alg\":\"HS256\",\"crit\":" + crit + "}", payload);
            assertEquals("malformed critical header", refusal(secret(PULSAR_SECRET), token), crit);
        }
    }

    /** RFC 7518 section 3.4: ES256 is P-256 with SHA-256, and so on; the JDK verifies any pairing. */
    @Test
    void tiesEachEcAlgorithmToItsCurve() throws Exception {
        String[] algs = {"ES256", "ES384", "ES512"};
        String[] curves = {"secp256r1", "secp384r1", "secp521r1"};
        String payload = "{\"sub\":\"carol\"}";
        for (int k = 0; k < curves.length; k++) {
            KeyPair pair = ecKeyPair(curves[k]);
            TokenValidator v = ec(pair);
            for (int a = 0; a < algs.length; a++) {
                // signed with the key's own private half: only the pairing can be wrong
                String token = signed(algs[a], pair.getPrivate(), payload);
                if (a == k) {
                    assertEquals("carol", v.validate(token, NOW).role(), algs[a]);
                } else {
                    assertEquals(
                            "algorithm " + algs[a] + " does not match the key",
                            refusal(v, token),
                            algs[a] + " with " + curves[k]);
                }
            }
        }
    }

    /** jjwt (the broker) takes no HMAC key under 256 bits, nor one shorter than the token's hash. */
    /** As the broker's jjwt, an RSA key under 2048 bits verifies no token: refused at configuration time. */
    @Test
    void refusesRsaKeysShorterThanTheBrokerTakes() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        String weak = Base64.getEncoder()
                .encodeToString(rsa.generateKeyPair().getPublic().getEncoded());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new TokenValidator("", weak, "", "", ""));
        assertTrue(e.getMessage().contains("1024 bits"), e.getMessage());
    }

    @Test
    void refusesHmacKeysShorterThanTheBrokerTakes() throws Exception {
        String shortKey = Base64.getEncoder().encodeToString(filled(31));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> secret(shortKey));
        assertTrue(e.getMessage().contains("248 bits"), e.getMessage());
        assertFalse(e.getMessage().contains(shortKey));
        assertThrows(
                IllegalArgumentException.class, () -> secret(Base64.getEncoder().encodeToString(filled(1))));
        String payload = "{\"sub\":\"alice\"}";
        byte[] k256 = filled(32);
        byte[] k384 = filled(48);
        byte[] k512 = filled(64);
        TokenValidator v256 = secret(Base64.getEncoder().encodeToString(k256));
        TokenValidator v384 = secret(Base64.getEncoder().encodeToString(k384));
        TokenValidator v512 = secret(Base64.getEncoder().encodeToString(k512));
        assertEquals(
                "algorithm HS384 needs a secret key of at least 384 bits",
                refusal(v256, hmac("HS384", k256, "{\"alg\":\"HS384\"}", payload)));
        assertEquals(
                "algorithm HS512 needs a secret key of at least 512 bits",
                refusal(v256, hmac("HS512", k256, "{\"alg\":\"HS512\"}", payload)));
        assertEquals(
                "algorithm HS512 needs a secret key of at least 512 bits",
                refusal(v384, hmac("HS512", k384, "{\"alg\":\"HS512\"}", payload)));
        // a key at least as long as the hash: every shorter hash too
        assertEquals(
                "alice",
                v384.validate(hmac("HS384", k384, "{\"alg\":\"HS384\"}", payload), NOW)
                        .role());
        assertEquals(
                "alice",
                v384.validate(hmac("HS256", k384, "{\"alg\":\"HS256\"}", payload), NOW)
                        .role());
        for (String alg : new String[] {"HS256", "HS384", "HS512"}) {
            String token = hmac(alg, k512, "{\"alg\":\"" + alg + "\"}", payload);
            assertEquals("alice", v512.validate(token, NOW).role(), alg);
        }
    }

    /**
     * As the broker's tokenAllowedClockSkewSeconds: exp is refused once now - skew reaches it, nbf while now + skew
     * is before it.
     */
    @Test
    void appliesTheAllowedClockSkewToExpAndNbf() throws Exception {
        byte[] key = Base64.getDecoder().decode(PULSAR_SECRET);
        long now = NOW.getEpochSecond();
        TokenValidator skewed = new TokenValidator(PULSAR_SECRET, "", "", "", "", 60);
        // accepted up to exp + 60 s, and the session ends then
        assertEquals(
                NOW.plusSeconds(1),
                skewed.validate(hs256(key, "{\"sub\":\"a\",\"exp\":" + (now - 59) + "}"), NOW)
                        .expiresAt());
        assertEquals("expired", refusal(skewed, hs256(key, "{\"sub\":\"a\",\"exp\":" + (now - 60) + "}")));
        assertEquals(
                "a",
                skewed.validate(hs256(key, "{\"sub\":\"a\",\"nbf\":" + (now + 60) + "}"), NOW)
                        .role());
        assertEquals("not valid yet (nbf)", refusal(skewed, hs256(key, "{\"sub\":\"a\",\"nbf\":" + (now + 61) + "}")));
        // no skew: the broker's default
        TokenValidator exact = new TokenValidator(PULSAR_SECRET, "", "", "", "", 0);
        assertEquals("expired", refusal(exact, hs256(key, "{\"sub\":\"a\",\"exp\":" + now + "}")));
        assertEquals("not valid yet (nbf)", refusal(exact, hs256(key, "{\"sub\":\"a\",\"nbf\":" + (now + 1) + "}")));
        assertEquals(
                "a",
                exact.validate(hs256(key, "{\"sub\":\"a\",\"nbf\":" + now + "}"), NOW)
                        .role());
        assertThrows(IllegalArgumentException.class, () -> new TokenValidator(PULSAR_SECRET, "", "", "", "", -1));
    }

    /**
     * A JWS ECDSA signature is R || S at the curve's length. The JDK pads a shorter one; here it is a bad signature.
     * On P-521 half the values of R (and of S) start with a zero byte, so one without both is soon found.
     */
    @Test
    void refusesAnEcdsaSignatureOfTheWrongLength() throws Exception {
        KeyPair p521 = ecKeyPair("secp521r1");
        TokenValidator v = ec(p521);
        String token = null;
        byte[] sig = null;
        for (int i = 0; i < 400 && (sig == null || sig[0] != 0 || sig[66] != 0); i++) {
            token = signed("ES512", p521.getPrivate(), "{\"sub\":\"carol\"}");
            sig = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
        }
        assertEquals(132, sig.length);
        assertTrue(sig[0] == 0 && sig[66] == 0, "no signature with both leading bytes zero in 400");
        assertEquals("carol", v.validate(token, NOW).role());
        String signing = token.substring(0, token.lastIndexOf('.') + 1);
        byte[] stripped = new byte[130];
        System.arraycopy(sig, 1, stripped, 0, 65);
        System.arraycopy(sig, 67, stripped, 65, 65);
        assertEquals("bad signature", refusal(v, signing + b64url(stripped)));
        assertEquals("bad signature", refusal(v, signing + b64url(Arrays.copyOf(sig, 133))));
        assertEquals("bad signature", refusal(v, signing + b64url(Arrays.copyOf(sig, 64))));
    }

    /**
     * R and S must be in [1, n - 1]. Checked here, not left to the provider: under one that, like JDKs before 17.0.3
     * (CVE-2022-21449), accepts R = S = 0 and reduces R and S modulo n, none of these may pass.
     */
    @Test
    void refusesEcdsaValuesOutOfRangeWhateverTheProvider() throws Exception {
        for (String curve : new String[] {"secp256r1", "secp521r1"}) {
            KeyPair pair = ecKeyPair(curve);
            ECPublicKey key = (ECPublicKey) pair.getPublic();
            BigInteger n = key.getParams().getOrder();
            int half = (n.bitLength() + 7) / 8;
            String alg = half == 32 ? "ES256" : "ES512";
            String token = signed(alg, pair.getPrivate(), "{\"sub\":\"carol\"}");
            String signing = token.substring(0, token.lastIndexOf('.') + 1);
            byte[] sig = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
            BigInteger r = new BigInteger(1, sig, 0, half);
            BigInteger s = new BigInteger(1, sig, half, half);
            BigInteger top = BigInteger.ONE.shiftLeft(8 * half);
            List<BigInteger[]> forged = new ArrayList<>();
            forged.add(new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO}); // the "psychic signature"
            forged.add(new BigInteger[] {BigInteger.ZERO, s});
            forged.add(new BigInteger[] {r, BigInteger.ZERO});
            forged.add(new BigInteger[] {n, n});
            if (r.add(n).compareTo(top) < 0) {
                forged.add(new BigInteger[] {r.add(n), s});
            }
            if (s.add(n).compareTo(top) < 0) {
                forged.add(new BigInteger[] {r, s.add(n)}); // always on P-521: the same S modulo n
            }
            TokenValidator v = ec(pair);
            LaxEcdsaProvider.install();
            try {
                assertEquals("carol", v.validate(token, NOW).role(), curve);
                for (BigInteger[] rs : forged) {
                    String t = signing + b64url(concat(unsigned(rs[0], half), unsigned(rs[1], half)));
                    assertEquals("bad signature", refusal(v, t), curve + " r=" + rs[0] + " s=" + rs[1]);
                }
            } finally {
                Security.removeProvider(LaxEcdsaProvider.NAME);
            }
            for (BigInteger[] rs : forged) { // and without it
                String t = signing + b64url(concat(unsigned(rs[0], half), unsigned(rs[1], half)));
                assertEquals("bad signature", refusal(v, t), curve);
            }
        }
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

    private static String b64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] filled(int length) {
        byte[] key = new byte[length];
        Arrays.fill(key, (byte) 0x5a);
        return key;
    }

    private static KeyPair ecKeyPair(String curve) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    private static TokenValidator ec(KeyPair pair) {
        return new TokenValidator(
                "", Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()), "", "", "");
    }

    /** @return {@code v} as exactly {@code length} big-endian bytes (it must fit) */
    private static byte[] unsigned(BigInteger v, int length) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[length];
        int n = Math.min(b.length, length);
        System.arraycopy(b, b.length - n, out, length - n, n);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Signs with HMAC under any header, the token's alg given apart. */
    private static String hmac(String alg, byte[] key, String header, String payload) throws Exception {
        String signing = b64url(header) + "." + b64url(payload);
        String jca = "HmacSHA" + alg.substring(2);
        Mac mac = Mac.getInstance(jca);
        mac.init(new SecretKeySpec(key, jca));
        return signing + "." + b64url(mac.doFinal(signing.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * A provider, first in line while installed, whose ECDSA verification (P1363 form) has no range check: it takes
     * R = S = 0 for any message, as JDKs before 17.0.3 did (CVE-2022-21449), and reduces R and S modulo n before
     * handing the rest to SunEC. It shows the validator's own check, not the JDK's, refuses such values.
     */
    private static final class LaxEcdsaProvider extends Provider {
        static final String NAME = "LaxEcdsaTest";
        private static final long serialVersionUID = 1L;

        private LaxEcdsaProvider() {
            super(NAME, "1", "ECDSA verification without the range check, for tests");
            for (String bits : new String[] {"256", "384", "512"}) {
                String alg = "SHA" + bits + "withECDSAinP1363Format";
                putService(new Provider.Service(this, "Signature", alg, LaxEcdsa.class.getName(), null, null) {
                    @Override
                    public Object newInstance(Object constructorParameter) {
                        return new LaxEcdsa(alg);
                    }
                });
            }
        }

        static void install() {
            Security.removeProvider(NAME);
            Security.insertProviderAt(new LaxEcdsaProvider(), 1);
        }
    }

    private static final class LaxEcdsa extends SignatureSpi {
        private final String algorithm;
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private ECPublicKey key;

        LaxEcdsa(String algorithm) {
            this.algorithm = algorithm;
        }

        @Override
        protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
            if (!(publicKey instanceof ECPublicKey k)) {
                throw new InvalidKeyException("EC keys only");
            }
            key = k;
            data.reset();
        }

        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
            throw new InvalidKeyException("verification only");
        }

        @Override
        protected void engineUpdate(byte b) {
            data.write(b);
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) {
            data.write(b, off, len);
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            throw new SignatureException("verification only");
        }

        @Override
        protected boolean engineVerify(byte[] sig) throws SignatureException {
            BigInteger n = key.getParams().getOrder();
            int half = sig.length / 2;
            BigInteger r = new BigInteger(1, sig, 0, half).mod(n);
            BigInteger s = new BigInteger(1, sig, half, sig.length - half).mod(n);
            if (r.signum() == 0 && s.signum() == 0) {
                return true;
            }
            try {
                int length = (n.bitLength() + 7) / 8;
                Signature real = Signature.getInstance(algorithm, "SunEC");
                real.initVerify(key);
                real.update(data.toByteArray());
                return real.verify(concat(unsigned(r, length), unsigned(s, length)));
            } catch (GeneralSecurityException e) {
                throw new SignatureException(e);
            }
        }

        @Override
        @Deprecated
        protected void engineSetParameter(String param, Object value) {
            throw new InvalidParameterException(param);
        }

        @Override
        @Deprecated
        protected Object engineGetParameter(String param) {
            throw new InvalidParameterException(param);
        }
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
