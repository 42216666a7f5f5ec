package io.pulsarws.itests;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Pulsar tokens (compact HS256 JWTs) signed by the tests themselves. */
final class Jwt {
    private Jwt() {}

    /** @return the claims (a JSON object) signed with the key, as Pulsar's {@code tokens create} would */
    static String sign(String claims, byte[] key) throws GeneralSecurityException {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signing = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return signing + "." + b64.encodeToString(mac.doFinal(signing.getBytes(StandardCharsets.US_ASCII)));
    }
}
