package io.pulsarws.websocket.internal.security;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pulsarws.codec.ClientText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Validates Pulsar JWT tokens the way a broker configured with {@code AuthenticationProviderToken} does: the
 * signature with the configured secret key (HS256/384/512) or public key (RS, PS or ES 256/384/512), the expiry
 * ({@code exp}) and not-before ({@code nbf}) times with the configured clock skew, the optional audience, and the
 * role taken from the configured claim ({@code sub} by default). The key decides which algorithms are acceptable,
 * so a token cannot choose its own verification ({@code none}, or HMAC keyed with a public key): HS256/384/512 need
 * a secret of at least 256/384/512 bits, ES256/384/512 a key on P-256/P-384/P-521. A header with {@code crit} is
 * refused, as no extension is understood here (RFC 7515 section 4.1.11).
 *
 * <p>Keys are given as Pulsar's settings take them: {@code data:;base64,...}, {@code file:///path}, a plain file
 * path, or the base64 text of the key; a public key is X.509 (DER), as {@code pulsar tokens create-key-pair}
 * writes it. Immutable and thread-safe. Error messages never contain the token.
 */
final class TokenValidator {
    private static final JsonFactory JSON = new JsonFactory();

    /** The shortest RSA key the broker's jjwt verifies RS and PS tokens with. */
    static final int MIN_RSA_BITS = 2048;

    private final byte[] secret;
    private final PublicKey publicKey;
    private final String roleClaim;
    private final String audienceClaim;
    private final String audience;
    private final int allowedClockSkewSeconds;

    /** Why a token is refused; the message names the reason, never the token. */
    static final class InvalidTokenException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTokenException(String reason) {
            super(reason, null, false, false);
        }
    }

    /** What a valid token says: its role and, if it has one, when it expires. */
    record Claims(String role, Instant expiresAt) {}

    /** Expiry times further away than about a century are not tracked: the session is treated as not expiring. */
    static final long FOREVER_SECONDS = 100L * 366 * 24 * 3600;

    /** The shortest HMAC secret, in bits, the broker's {@code Keys.hmacShaKeyFor} (jjwt) takes: HS256's. */
    static final int MIN_SECRET_BITS = 256;

    /** As {@link #TokenValidator(String, String, String, String, String, int)} without clock skew, Pulsar's default. */
    TokenValidator(String secretKey, String publicKey, String roleClaim, String audienceClaim, String audience) {
        this(secretKey, publicKey, roleClaim, audienceClaim, audience, 0);
    }

    /**
     * @param secretKey the HMAC secret setting, or empty
     * @param publicKey the public key setting, or empty; exactly one of the two must be given
     * @param roleClaim the claim holding the role, {@code sub} when empty
     * @param audienceClaim the claim holding the audience, {@code aud} when empty
     * @param audience the audience this gateway requires, or empty for none
     * @param allowedClockSkewSeconds how far {@code exp} and {@code nbf} may be off (broker:
     *     {@code tokenAllowedClockSkewSeconds}), 0 or more
     * @throws IllegalArgumentException if the keys cannot be read or decoded, the secret is shorter than the broker
     *     accepts, or the skew is negative
     */
    TokenValidator(
            String secretKey,
            String publicKey,
            String roleClaim,
            String audienceClaim,
            String audience,
            int allowedClockSkewSeconds) {
        boolean hasSecret = secretKey != null && !secretKey.isBlank();
        boolean hasPublic = publicKey != null && !publicKey.isBlank();
        if (hasSecret == hasPublic) {
            throw new IllegalArgumentException("set exactly one of tokenSecretKey and tokenPublicKey");
        }
        if (allowedClockSkewSeconds < 0) {
            throw new IllegalArgumentException("tokenAllowedClockSkewSeconds must be 0 or more");
        }
        this.secret = hasSecret ? TokenKeys.readKey(secretKey.trim()) : null;
        if (secret != null && secret.length * 8L < MIN_SECRET_BITS) {
            // the broker's Keys.hmacShaKeyFor throws WeakKeyException for such a key: it would accept no token
            throw new IllegalArgumentException("the secret key is " + secret.length * 8L + " bits; HMAC tokens need "
                    + "at least " + MIN_SECRET_BITS + " (RFC 7518 section 3.2), as the broker requires");
        }
        this.publicKey = hasPublic ? TokenKeys.decodePublicKey(TokenKeys.readKey(publicKey.trim())) : null;
        if (this.publicKey instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            // the broker's jjwt refuses RS and PS tokens verified with a shorter key: it would accept no token
            throw new IllegalArgumentException("the RSA public key is "
                    + rsa.getModulus().bitLength() + " bits; RS " + "and PS tokens need at least " + MIN_RSA_BITS
                    + " (RFC 7518 section 3.3), as the broker requires");
        }
        this.roleClaim = roleClaim == null || roleClaim.isBlank() ? "sub" : roleClaim.trim();
        this.audienceClaim = audienceClaim == null || audienceClaim.isBlank() ? "aud" : audienceClaim.trim();
        this.audience = audience == null || audience.isBlank() ? null : audience.trim();
        this.allowedClockSkewSeconds = allowedClockSkewSeconds;
    }

    /**
     * @param token the compact JWT, without any {@code Bearer } prefix
     * @param now the time to check {@code exp} and {@code nbf} against
     * @return the role and expiry; with a clock skew the expiry is {@code exp} plus the skew, when the token stops
     *     being accepted here
     * @throws InvalidTokenException if the token is malformed, has a critical header, is badly signed, expired, not
     *         yet valid, for another audience, or carries no role
     */
    Claims validate(String token, Instant now) throws InvalidTokenException {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new InvalidTokenException("not a signed JWT (header.payload.signature)");
        }
        Map<String, Object> header = json(decode(parts[0]));
        Object alg = header.get("alg");
        if (!(alg instanceof String a)) {
            throw new InvalidTokenException("no signature algorithm");
        }
        checkCritical(header);
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!verify(a, signed, decode(parts[2]))) {
            throw new InvalidTokenException("bad signature");
        }
        Map<String, Object> claims = json(decode(parts[1]));
        long epoch = now.getEpochSecond();
        Instant expiresAt = null;
        // jjwt refuses when now - skew is after exp, and when now + skew is before nbf (milliseconds); in whole
        // seconds (now rounded down) that is the same but for the one millisecond at exp + skew, refused here as
        // RFC 7519 says ("on or after")
        if (claims.get("exp") != null) {
            long exp = seconds(claims.get("exp"), "exp");
            if (epoch - allowedClockSkewSeconds >= exp) {
                throw new InvalidTokenException("expired");
            }
            // an expiry centuries away is not scheduled: beyond Instant's range, or its milliseconds from now
            // beyond a long, it would throw instead of being accepted as the broker accepts it
            expiresAt = exp - epoch > FOREVER_SECONDS ? null : Instant.ofEpochSecond(exp + allowedClockSkewSeconds);
        }
        if (claims.get("nbf") != null && epoch + allowedClockSkewSeconds < seconds(claims.get("nbf"), "nbf")) {
            throw new InvalidTokenException("not valid yet (nbf)");
        }
        if (audience != null) {
            Object aud = claims.get(audienceClaim);
            boolean ok =
                    aud instanceof String s ? s.equals(audience) : aud instanceof List<?> l && l.contains(audience);
            if (!ok) {
                throw new InvalidTokenException("not for this audience");
            }
        }
        Object role = claims.get(roleClaim);
        if (!(role instanceof String r) || r.isBlank()) {
            throw new InvalidTokenException("no role in claim '" + roleClaim + "'");
        }
        return new Claims(r, expiresAt);
    }

    private boolean verify(String alg, byte[] signed, byte[] signature) throws InvalidTokenException {
        try {
            if (secret != null) {
                String mac = switch (alg) {
                    case "HS256" -> "HmacSHA256";
                    case "HS384" -> "HmacSHA384";
                    case "HS512" -> "HmacSHA512";
                    default ->
                        throw new InvalidTokenException(
                                "algorithm " + ClientText.quote(alg) + " does not fit a secret key");
                };
                checkSecretLength(alg);
                Mac m = Mac.getInstance(mac);
                m.init(new SecretKeySpec(secret, mac));
                return MessageDigest.isEqual(m.doFinal(signed), signature);
            }
            Signature s = signature(alg);
            if (publicKey instanceof ECPublicKey ec && !TokenKeys.isJoseEcdsaSignature(ec, signature)) {
                return false;
            }
            s.initVerify(publicKey);
            s.update(signed);
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private Signature signature(String alg) throws GeneralSecurityException, InvalidTokenException {
        boolean rsa = publicKey instanceof RSAPublicKey;
        boolean ec = publicKey instanceof ECPublicKey;
        String bits = alg.length() == 5 ? alg.substring(2) : "";
        if (!bits.equals("256") && !bits.equals("384") && !bits.equals("512")) {
            throw new InvalidTokenException("unsupported algorithm " + ClientText.quote(alg));
        }
        String sha = "SHA" + bits;
        if (rsa && alg.startsWith("RS")) {
            return Signature.getInstance(sha + "withRSA");
        }
        if (rsa && alg.startsWith("PS")) {
            Signature s = Signature.getInstance("RSASSA-PSS");
            String digest = "SHA-" + bits;
            s.setParameter(
                    new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest), Integer.parseInt(bits) / 8, 1));
            return s;
        }
        if (ec && alg.startsWith("ES")) {
            TokenKeys.checkCurve(alg, (ECPublicKey) publicKey);
            // JWS carries R || S; the JDK reads that layout under this name
            return Signature.getInstance(sha + "withECDSAinP1363Format");
        }
        throw new InvalidTokenException(
                "algorithm " + ClientText.quote(alg) + " does not fit the configured public key");
    }

    /**
     * Refuses a header with {@code crit}. RFC 7515 section 4.1.11: a recipient that does not understand every header
     * parameter {@code crit} names must refuse the token, and this validator understands no extension, so a token
     * whose signer marked one as critical cannot be taken as meaning what it says here. A malformed {@code crit} (not
     * a non-empty array of strings) makes the token invalid as well. jjwt 0.11, the broker's, ignores {@code crit}.
     */
    private static void checkCritical(Map<String, Object> header) throws InvalidTokenException {
        if (!header.containsKey("crit")) {
            return;
        }
        Object crit = header.get("crit");
        // json() keeps a non-string array element as null
        boolean wellFormed = crit instanceof List<?> l && !l.isEmpty() && !l.contains(null);
        throw new InvalidTokenException(wellFormed ? "unsupported critical header" : "malformed critical header");
    }

    /**
     * Refuses HS384/HS512 with a secret shorter than the hash. The broker's jjwt checks the key against the token's
     * algorithm ({@code SignatureAlgorithm.assertValidVerificationKey}) and refuses a key shorter than the hash
     * output (RFC 7518 section 3.2) with {@code WeakKeyException}; HS256's minimum is enforced when configured.
     */
    private void checkSecretLength(String alg) throws InvalidTokenException {
        int needed = Integer.parseInt(alg.substring(2));
        if (secret.length * 8L < needed) {
            throw new InvalidTokenException("algorithm " + alg + " needs a secret key of at least " + needed + " bits");
        }
    }

    private static long seconds(Object value, String claim) throws InvalidTokenException {
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw new InvalidTokenException("claim '" + claim + "' is not a number");
    }

    private static byte[] decode(String part) throws InvalidTokenException {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("not base64url");
        }
    }

    /**
     * Reads a flat JSON object: strings, numbers, booleans, and arrays of strings. Anything else (null, a nested
     * object, an array element that is not a string) is kept as null, so that a name present is seen as present
     * ({@code crit}); a claim kept as null counts as absent, as a JSON null does in jjwt.
     */
    private static Map<String, Object> json(byte[] bytes) throws InvalidTokenException {
        Map<String, Object> out = new HashMap<>();
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidTokenException("header or payload is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (t) {
                    case VALUE_STRING -> out.put(name, p.getText());
                    case VALUE_NUMBER_INT -> out.put(name, p.getLongValue());
                    case VALUE_NUMBER_FLOAT -> out.put(name, (long) p.getDoubleValue());
                    case VALUE_TRUE, VALUE_FALSE -> out.put(name, t == JsonToken.VALUE_TRUE);
                    case START_ARRAY -> {
                        List<String> values = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            if (p.currentToken() == JsonToken.VALUE_STRING) {
                                values.add(p.getText());
                            } else {
                                p.skipChildren();
                                values.add(null);
                            }
                        }
                        out.put(name, values);
                    }
                    default -> {
                        p.skipChildren();
                        out.put(name, null);
                    }
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new InvalidTokenException("header or payload is not a JSON object");
            }
            return out;
        } catch (IOException e) {
            throw new InvalidTokenException("header or payload is not JSON");
        }
    }
}
