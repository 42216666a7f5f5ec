package io.pulsarws.websocket.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pulsarws.codec.ClientText;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
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
 * ({@code exp}) and not-before ({@code nbf}) times, the optional audience, and the role taken from the configured
 * claim ({@code sub} by default). The key decides which algorithms are acceptable, so a token cannot choose its
 * own verification ({@code none}, or HMAC keyed with a public key).
 *
 * <p>Keys are given as Pulsar's settings take them: {@code data:;base64,...}, {@code file:///path}, a plain file
 * path, or the base64 text of the key; a public key is X.509 (DER), as {@code pulsar tokens create-key-pair}
 * writes it. Immutable and thread-safe. Error messages never contain the token.
 */
final class TokenValidator {
    private static final JsonFactory JSON = new JsonFactory();

    private final byte[] secret;
    private final PublicKey publicKey;
    private final String roleClaim;
    private final String audienceClaim;
    private final String audience;

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

    /**
     * @param secretKey the HMAC secret setting, or empty
     * @param publicKey the public key setting, or empty; exactly one of the two must be given
     * @param roleClaim the claim holding the role, {@code sub} when empty
     * @param audienceClaim the claim holding the audience, {@code aud} when empty
     * @param audience the audience this gateway requires, or empty for none
     * @throws IllegalArgumentException if the keys cannot be read or decoded
     */
    TokenValidator(String secretKey, String publicKey, String roleClaim, String audienceClaim, String audience) {
        boolean hasSecret = secretKey != null && !secretKey.isBlank();
        boolean hasPublic = publicKey != null && !publicKey.isBlank();
        if (hasSecret == hasPublic) {
            throw new IllegalArgumentException("set exactly one of tokenSecretKey and tokenPublicKey");
        }
        this.secret = hasSecret ? readKey(secretKey.trim()) : null;
        this.publicKey = hasPublic ? decodePublicKey(readKey(publicKey.trim())) : null;
        this.roleClaim = roleClaim == null || roleClaim.isBlank() ? "sub" : roleClaim.trim();
        this.audienceClaim = audienceClaim == null || audienceClaim.isBlank() ? "aud" : audienceClaim.trim();
        this.audience = audience == null || audience.isBlank() ? null : audience.trim();
    }

    /**
     * @param token the compact JWT, without any {@code Bearer } prefix
     * @param now the time to check {@code exp} and {@code nbf} against
     * @return the role and expiry
     * @throws InvalidTokenException if the token is malformed, badly signed, expired, not yet valid, for another
     *         audience, or carries no role
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
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!verify(a, signed, decode(parts[2]))) {
            throw new InvalidTokenException("bad signature");
        }
        Map<String, Object> claims = json(decode(parts[1]));
        long epoch = now.getEpochSecond();
        Instant expiresAt = null;
        if (claims.containsKey("exp")) {
            long exp = seconds(claims.get("exp"), "exp");
            if (epoch >= exp) {
                throw new InvalidTokenException("expired");
            }
            // an expiry centuries away is not scheduled: beyond Instant's range, or its milliseconds from now
            // beyond a long, it would throw instead of being accepted as the broker accepts it
            expiresAt = exp - epoch > FOREVER_SECONDS ? null : Instant.ofEpochSecond(exp);
        }
        if (claims.containsKey("nbf") && epoch < seconds(claims.get("nbf"), "nbf")) {
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
                Mac m = Mac.getInstance(mac);
                m.init(new SecretKeySpec(secret, mac));
                return MessageDigest.isEqual(m.doFinal(signed), signature);
            }
            Signature s = signature(alg);
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
            // JWS carries R || S; the JDK reads that layout under this name
            return Signature.getInstance(sha + "withECDSAinP1363Format");
        }
        throw new InvalidTokenException(
                "algorithm " + ClientText.quote(alg) + " does not fit the configured public key");
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

    /** Reads a flat JSON object: strings, numbers, booleans, and arrays of strings (nested objects are skipped). */
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
                            }
                        }
                        out.put(name, values);
                    }
                    default -> p.skipChildren();
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

    /** Reads a key setting in any of the forms Pulsar's {@code tokenSecretKey}/{@code tokenPublicKey} accept. */
    static byte[] readKey(String setting) {
        try {
            if (setting.startsWith("data:")) {
                int comma = setting.indexOf(',');
                if (comma < 0) {
                    throw new IllegalArgumentException("data: URL without ','");
                }
                String meta = setting.substring(5, comma);
                String data = setting.substring(comma + 1);
                return meta.endsWith(";base64")
                        ? Base64.getDecoder().decode(data.trim())
                        : java.net.URLDecoder.decode(data, StandardCharsets.UTF_8)
                                .getBytes(StandardCharsets.UTF_8);
            }
            if (setting.startsWith("file:")) {
                return Files.readAllBytes(Paths.get(URI.create(setting)));
            }
            Path file = asPath(setting);
            if (file != null && Files.isRegularFile(file)) {
                return Files.readAllBytes(file);
            }
            return Base64.getDecoder().decode(setting);
        } catch (IOException | RuntimeException e) {
            // the message names what failed to load, never the key material
            throw new IllegalArgumentException(
                    "cannot read the key (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Path asPath(String setting) {
        try {
            return Paths.get(setting);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    private static PublicKey decodePublicKey(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("the public key is neither an RSA nor an EC X.509 key");
    }
}
