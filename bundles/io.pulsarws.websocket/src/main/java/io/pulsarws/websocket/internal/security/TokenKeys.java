package io.pulsarws.websocket.internal.security;

import io.pulsarws.codec.ClientText;
import io.pulsarws.websocket.internal.security.TokenValidator.InvalidTokenException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The keys tokens are verified with: read from Pulsar's key settings, and the checks an elliptic-curve key and
 * signature need before the JDK sees them (the curve the algorithm names, the JOSE signature form).
 */
final class TokenKeys {
    private TokenKeys() {}

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
                        : URLDecoder.decode(data, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
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
        } catch (InvalidPathException e) {
            return null;
        }
    }

    static PublicKey decodePublicKey(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("the public key is neither an RSA nor an EC X.509 key");
    }

    /**
     * Ties ES256/384/512 to P-256/P-384/P-521 (RFC 7518 section 3.4): the JDK would verify SHA-256 with a P-384 key
     * or SHA-512 with a P-256 key, so without this the token, not the key, would pick the hash. Checked by the
     * field size and, so that another curve of that size (secp256k1, brainpool) is not taken, the curve itself.
     */
    static void checkCurve(String alg, ECPublicKey key) throws InvalidTokenException {
        int bits = switch (alg) {
            case "ES256" -> 256;
            case "ES384" -> 384;
            case "ES512" -> 521;
            default -> -1;
        };
        ECParameterSpec params = key.getParams();
        if (params.getCurve().getField().getFieldSize() != bits || !isNamedCurve(params, bits)) {
            throw new InvalidTokenException("algorithm " + ClientText.quote(alg) + " does not match the key");
        }
    }

    /** @return whether {@code params} are those of NIST P-256, P-384 or P-521 ({@code bits} 256, 384, 521) */
    private static boolean isNamedCurve(ECParameterSpec params, int bits) {
        ECParameterSpec named = NamedCurves.of(bits);
        return named != null
                && named.getCurve().equals(params.getCurve())
                && named.getOrder().equals(params.getOrder())
                && named.getGenerator().equals(params.getGenerator())
                && named.getCofactor() == params.getCofactor();
    }

    /** The parameters of the three JWS curves, looked up once. */
    private static final class NamedCurves {
        private static final ECParameterSpec P256 = lookUp("secp256r1");
        private static final ECParameterSpec P384 = lookUp("secp384r1");
        private static final ECParameterSpec P521 = lookUp("secp521r1");

        static ECParameterSpec of(int bits) {
            return switch (bits) {
                case 256 -> P256;
                case 384 -> P384;
                case 521 -> P521;
                default -> null;
            };
        }

        private static ECParameterSpec lookUp(String name) {
            try {
                AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
                p.init(new ECGenParameterSpec(name));
                return p.getParameterSpec(ECParameterSpec.class);
            } catch (GeneralSecurityException e) {
                return null; // no such curve in this JDK: no key on it is accepted
            }
        }
    }

    /**
     * Checks the JOSE form of an ECDSA signature before the JDK reads it: exactly R || S, each as long as the curve's
     * order, and both in [1, n - 1]. The JDK also pads a shorter signature (it took one without the leading zero
     * bytes of R and S) and before 17.0.3 accepted R = S = 0 for any message (CVE-2022-21449); this check does not
     * depend on the JDK or provider in use.
     */
    static boolean isJoseEcdsaSignature(ECPublicKey key, byte[] signature) {
        BigInteger n = key.getParams().getOrder();
        int half = (n.bitLength() + 7) / 8;
        if (signature.length != 2 * half) {
            return false;
        }
        BigInteger r = new BigInteger(1, signature, 0, half);
        BigInteger s = new BigInteger(1, signature, half, half);
        return r.signum() > 0 && r.compareTo(n) < 0 && s.signum() > 0 && s.compareTo(n) < 0;
    }
}
