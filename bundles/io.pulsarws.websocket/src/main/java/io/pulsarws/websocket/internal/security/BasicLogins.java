package io.pulsarws.websocket.internal.security;

import io.pulsarws.codec.ClientText;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.websocket.transport.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** HTTP Basic credentials, and their check against a Karaf JAAS realm. */
final class BasicLogins {
    private static final Logger LOG = LoggerFactory.getLogger(BasicLogins.class);

    private BasicLogins() {}

    /** @return user and password of an {@code Authorization: Basic} header, or null */
    static String[] basic(HttpExchange x) {
        String header = x.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "basic ", 0, 6)) {
            return null;
        }
        try {
            String pair =
                    new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            return colon < 0 ? null : new String[] {pair.substring(0, colon), pair.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Logs in against a Karaf JAAS realm (users.properties, LDAP, JDBC... whatever the realm is made of).
     *
     * @return the user name
     * @throws OpenRefusedException 401 when the realm refuses the user
     */
    static String jaasLogin(String realm, String user, String password, String from) throws OpenRefusedException {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        // Karaf's JAAS login module proxy lives on the boot class path
        t.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            LoginContext login = new LoginContext(realm, callbacks -> {
                for (Callback c : callbacks) {
                    if (c instanceof NameCallback n) {
                        n.setName(user);
                    } else if (c instanceof PasswordCallback pw) {
                        pw.setPassword(password.toCharArray());
                    } else {
                        throw new UnsupportedCallbackException(c);
                    }
                }
            });
            login.login();
            return user;
        } catch (LoginException e) {
            LOG.info("Handshake from {} refused: JAAS realm {} refused user {}", from, realm, ClientText.quote(user));
            throw new OpenRefusedException(401, "Failed to authenticate: user or password refused");
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
