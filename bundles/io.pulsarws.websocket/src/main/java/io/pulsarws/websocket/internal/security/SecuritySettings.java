package io.pulsarws.websocket.internal.security;

import io.pulsarws.codec.ClientText;
import io.pulsarws.session.ClientIdentity;
import io.pulsarws.session.OpenRefusedException;
import io.pulsarws.websocket.internal.edge.Query;
import io.pulsarws.websocket.internal.edge.SessionLimits;
import io.pulsarws.websocket.internal.edge.WebSocketSettings;
import io.pulsarws.websocket.transport.HttpExchange;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who may open a session: the Origin allow-list and token authentication. Like {@link WebSocketSettings}
 * it lives apart from the servlet so that a change never touches the servlet's registration, and a change applies
 * in place. A configuration that cannot be used (authentication without a readable key, a secret under 256 bits, a
 * negative clock skew) is rejected with an error line and the previous one stays in force; if there is none, every
 * handshake is refused with 503 rather than let through unauthenticated.
 */
@Component(
        service = SecuritySettings.class,
        configurationPid = SecuritySettings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true)
@Designate(ocd = SecurityConfiguration.class)
public class SecuritySettings {
    static final String PID = "io.pulsarws.security";
    private static final Logger LOG = LoggerFactory.getLogger(SecuritySettings.class);
    private static final String BEARER = "bearer ";
    /** The user (and password) of the account Karaf ships in etc/users.properties. */
    private static final String KARAF_DEFAULT_USER = "karaf";

    /** What one configuration decides; replaced as a whole on each change. */
    private record Policy(
            boolean authenticate,
            TokenValidator validator,
            String anonymousRole,
            Set<String> origins,
            boolean anyOrigin,
            Set<String> hosts,
            boolean anyHost,
            Set<String> superUsers,
            boolean protectMetrics,
            String jaasRealm) {}

    /** The outcome of authentication: the identity for the session manager and when it stops being valid. */
    public record Caller(ClientIdentity identity, Instant expiresAt) {}

    private volatile Policy policy;
    /** Failed HTTP Basic logins per client address; kept across configuration changes. */
    private final LoginThrottle throttle = new LoginThrottle();

    @Activate
    public SecuritySettings(SecurityConfiguration config) {
        configure(config);
    }

    @Modified
    void configure(SecurityConfiguration config) {
        Set<String> origins = Arrays.stream(config.allowedOrigins())
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .map(HostNames::normalizeOrigin)
                .collect(Collectors.toUnmodifiableSet());
        Set<String> hosts = Arrays.stream(config.allowedHosts())
                .map(String::trim)
                .filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        Set<String> superUsers = Arrays.stream(config.superUserRoles())
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        TokenValidator validator = null;
        if (config.authenticationEnabled()) {
            try {
                validator = new TokenValidator(
                        config.tokenSecretKey(),
                        config.tokenPublicKey(),
                        config.tokenAuthClaim(),
                        config.tokenAudienceClaim(),
                        config.tokenAudience(),
                        config.tokenAllowedClockSkewSeconds());
            } catch (IllegalArgumentException e) {
                LOG.error(
                        "Rejected {} configuration: authenticationEnabled=true but the token settings are unusable: "
                                + "{}; {}",
                        PID,
                        e.getMessage(),
                        policy == null
                                ? "refusing every handshake (503) until it is fixed"
                                : "keeping the previous configuration");
                if (policy == null) {
                    policy = new Policy(
                            true,
                            null,
                            null,
                            origins,
                            origins.contains("*"),
                            hosts,
                            hosts.contains("*"),
                            superUsers,
                            true,
                            null);
                }
                return;
            }
        }
        String anonymous =
                config.anonymousUserRole() == null || config.anonymousUserRole().isBlank()
                        ? null
                        : config.anonymousUserRole().trim();
        String realm = config.jaasRealm() == null || config.jaasRealm().isBlank()
                ? null
                : config.jaasRealm().trim();
        policy = new Policy(
                config.authenticationEnabled(),
                validator,
                anonymous,
                origins,
                origins.contains("*"),
                hosts,
                hosts.contains("*"),
                superUsers,
                config.authenticateMetricsEndpoint(),
                realm);
        LOG.info(
                "WebSocket security: authentication={}, anonymous role={}, allowed origins={}, allowed hosts={}",
                config.authenticationEnabled() ? "token" : "off",
                anonymous == null ? "none" : anonymous,
                origins.isEmpty() ? "same origin only" : origins,
                hosts.isEmpty() ? "localhost and IP addresses" : hosts);
    }

    /**
     * Decides, from what a browser attests, whether a request may act: first the {@code Host} (DNS rebinding: a
     * page whose own name now points at this node is same-origin with itself, so its Host is not one of ours), then
     * the {@code Origin}: the gateway's own origin or one on the allow-list. Without an Origin, the request is
     * refused when the browser says it comes from another site ({@code Sec-Fetch-Site: cross-site} or {@code
     * same-site}: a no-cors fetch, an image, a link), and allowed otherwise (a non-browser client, or a browser's
     * own navigation or same-origin request).
     *
     * @throws OpenRefusedException 403 when the request may not act
     */
    public void checkOrigin(HttpExchange x) throws OpenRefusedException {
        checkHost(x);
        String origin = x.header("Origin");
        Policy p = policy;
        if (origin == null) {
            String site = x.header("Sec-Fetch-Site");
            if (site != null && !"same-origin".equalsIgnoreCase(site.trim()) && !"none".equalsIgnoreCase(site.trim())) {
                LOG.info(
                        "Request from {} refused: sent from another site without an Origin (Sec-Fetch-Site {}, "
                                + "Sec-Fetch-Mode {})",
                        x.remoteAddress(),
                        ClientText.quote(site),
                        ClientText.quote(String.valueOf(x.header("Sec-Fetch-Mode"))));
                throw new OpenRefusedException(403, "Cross-site request without an Origin refused");
            }
            return;
        }
        if (p.anyOrigin()
                || p.origins().contains(HostNames.normalizeOrigin(origin))
                || HostNames.sameOrigin(origin, x)) {
            return;
        }
        LOG.info(
                "Handshake from {} refused: Origin {} is not allowed (allowedOrigins)",
                x.remoteAddress(),
                ClientText.quote(origin));
        throw new OpenRefusedException(403, "Origin not allowed");
    }

    /**
     * The {@code Host} must name this node: localhost, an IP address, or a name on {@code allowedHosts}.
     *
     * @throws OpenRefusedException 403 otherwise
     */
    void checkHost(HttpExchange x) throws OpenRefusedException {
        Policy p = policy;
        String host = x.header("Host");
        if (p.anyHost() || host == null || HostNames.hostAllowed(HostNames.hostName(host), p.hosts())) {
            return;
        }
        LOG.info(
                "Request from {} refused: Host {} is not one this gateway answers to (allowedHosts)",
                x.remoteAddress(),
                ClientText.quote(host));
        throw new OpenRefusedException(403, "Host not allowed (allowedHosts)");
    }

    /**
     * @param subprotocolToken the token offered in {@code Sec-WebSocket-Protocol} ({@code Subprotocols} of the WebSocket endpoints), or null
     * @return the caller, or null when authentication is off
     * @throws OpenRefusedException 401 when the token is missing or invalid, 503 when the configuration is unusable
     */
    public Caller authenticate(HttpExchange x, String subprotocolToken) throws OpenRefusedException {
        Policy p = policy;
        if (!p.authenticate()) {
            return null;
        }
        if (p.validator() == null) {
            throw new OpenRefusedException(503, "Authentication is misconfigured on this gateway");
        }
        String token = token(x, subprotocolToken);
        if (token == null && p.jaasRealm() != null) {
            String[] basic = BasicLogins.basic(x);
            if (basic != null) {
                String address = x.remoteAddress();
                if (KARAF_DEFAULT_USER.equals(basic[0]) && KARAF_DEFAULT_USER.equals(basic[1])) {
                    // Karaf's shipped account: its password is public, so over the network it proves nothing
                    LOG.warn(
                            "Handshake from {} refused: the default karaf/karaf account is not accepted over the "
                                    + "network; change its password in etc/users.properties",
                            address);
                    throw new OpenRefusedException(401, "Failed to authenticate: user or password refused");
                }
                long wait = throttle.begin(address, System.nanoTime());
                if (wait > 0) {
                    LOG.info("Handshake from {} refused: too many failed logins, locked for {} s more", address, wait);
                    throw new OpenRefusedException(
                            429, "Too many failed logins from this address; retry in " + wait + " s");
                }
                try {
                    String user = BasicLogins.jaasLogin(p.jaasRealm(), basic[0], basic[1], address);
                    throttle.succeeded(address);
                    return new Caller(ClientIdentity.ofPassword(user), null);
                } catch (OpenRefusedException e) {
                    throttle.failed(address, System.nanoTime());
                    throw e;
                } catch (RuntimeException e) {
                    throttle.failed(address, System.nanoTime());
                    throw e;
                }
            }
        }
        if (token == null) {
            if (p.anonymousRole() != null) {
                return new Caller(ClientIdentity.anonymous(p.anonymousRole()), null);
            }
            LOG.info("Handshake from {} refused: no token", x.remoteAddress());
            throw new OpenRefusedException(401, "Failed to authenticate: no token");
        }
        try {
            TokenValidator.Claims claims = p.validator().validate(token, Instant.now());
            return new Caller(ClientIdentity.ofToken(claims.role(), token), claims.expiresAt());
        } catch (TokenValidator.InvalidTokenException e) {
            LOG.info("Handshake from {} refused: invalid token ({})", x.remoteAddress(), e.getMessage());
            throw new OpenRefusedException(401, "Failed to authenticate: " + e.getMessage());
        }
    }

    /**
     * The statistics endpoints, like Pulsar's, are for super-users once authentication is on.
     *
     * @param metrics true for {@code /metrics}, which is protected only with {@code authenticateMetricsEndpoint}
     * @throws OpenRefusedException 401 unless the request carries a valid token of a super-user role; 403 for a
     *     Host this node does not answer to
     */
    public void checkSuperUser(HttpExchange x, boolean metrics) throws OpenRefusedException {
        checkHost(x); // a page rebound to this node's address must not read what the statistics tell
        Policy p = policy;
        if (!p.authenticate() || metrics && !p.protectMetrics()) {
            return;
        }
        String token = token(x, null);
        if (p.validator() == null || token == null) {
            throw new OpenRefusedException(401, "Super-user token required");
        }
        try {
            String role = p.validator().validate(token, Instant.now()).role();
            if (!p.superUsers().contains(role)) {
                LOG.info("Statistics request from {} refused: role {} is not a super-user", x.remoteAddress(), role);
                throw new OpenRefusedException(401, "Super-user token required");
            }
        } catch (TokenValidator.InvalidTokenException e) {
            throw new OpenRefusedException(401, "Failed to authenticate: " + e.getMessage());
        }
    }

    /**
     * The token from {@code Authorization: Bearer}, else the one offered as a subprotocol ({@code Subprotocols} of the WebSocket endpoints), else
     * from {@code ?token=} (the {@code Bearer } prefix optional).
     *
     * @param subprotocolToken the token offered in {@code Sec-WebSocket-Protocol}, or null
     * @throws OpenRefusedException 400 when the query string cannot be decoded
     */
    private static String token(HttpExchange x, String subprotocolToken) throws OpenRefusedException {
        String header = x.header("Authorization");
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String t = header.substring(BEARER.length()).trim();
            return t.isEmpty() ? null : t;
        }
        if (subprotocolToken != null) {
            return subprotocolToken;
        }
        String param;
        try {
            param = Query.of(x).get("token"); // not getParameter: it would read a form-encoded body first
        } catch (IllegalArgumentException e) { // a query that cannot be decoded (?%zz)
            throw new OpenRefusedException(400, "Invalid query string");
        }
        if (param == null || param.isBlank()) {
            return null;
        }
        String t = param.trim();
        return t.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? t.substring(BEARER.length()).trim()
                : t;
    }

    /**
     * Charges the session to its authenticated principal (not to the anonymous role, which many clients share: they
     * are counted per address).
     *
     * @throws OpenRefusedException 429 over {@code maxSessionsPerPrincipal}; the permit is released then
     */
    public static void chargePrincipal(SessionLimits.Permit permit, Caller caller, WebSocketSettings limits)
            throws OpenRefusedException {
        if (caller != null && !caller.identity().anonymous()) {
            permit.chargeTo(caller.identity().role(), limits.maxSessionsPerPrincipal());
        }
    }

    /** @return whom a client's bytes being received are charged to, as its prefetch is ({@link ClientIdentity}) */
    public static String owner(Caller caller, String remoteAddress) {
        return ClientIdentity.chargedTo(caller == null ? null : caller.identity(), remoteAddress);
    }
}
