package io.pulsarws.websocket.internal.security;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of PID {@code io.pulsarws.security}: who may open a session, applied live to new handshakes. */
@ObjectClassDefinition(
        name = "Pulsar WebSocket security",
        description = "Client authentication (Pulsar JWT tokens) and the Origin allow-list of the WebSocket "
                + "endpoints. Changes apply to handshakes from then on; open sessions are not touched.")
@interface SecurityConfiguration {

    @AttributeDefinition(
            name = "Authentication enabled",
            description = "Require a valid Pulsar token (Authorization: Bearer <jwt>, or ?token=<jwt> for browsers) "
                    + "at the handshake; without one the answer is 401, unless an anonymous role is set.")
    boolean authenticationEnabled() default false;

    @AttributeDefinition(
            name = "Token secret key",
            type = AttributeType.PASSWORD,
            description = "The HMAC key tokens are signed with, as the broker's tokenSecretKey: file:///path, "
                    + "data:;base64,..., a file path or base64 text. Set this or the public key.")
    String tokenSecretKey() default "";

    @AttributeDefinition(
            name = "Token public key",
            description = "The RSA or EC public key (X.509 DER) tokens are verified with, as the broker's "
                    + "tokenPublicKey: file:///path, data:;base64,..., a file path or base64 text.")
    String tokenPublicKey() default "";

    @AttributeDefinition(
            name = "Role claim",
            description = "The token claim that holds the role (broker: tokenAuthClaim).")
    String tokenAuthClaim() default "sub";

    @AttributeDefinition(
            name = "Audience claim",
            description = "The claim that holds the audience (broker: tokenAudienceClaim); aud when empty.")
    String tokenAudienceClaim() default "";

    @AttributeDefinition(
            name = "Audience",
            description = "When set, tokens must name this audience (broker: tokenAudience).")
    String tokenAudience() default "";

    @AttributeDefinition(
            name = "Allowed clock skew (s)",
            description = "How many seconds a token's exp and nbf may be off from this gateway's clock (broker: "
                    + "tokenAllowedClockSkewSeconds); an accepted token's session ends at exp plus this. 0 or more.")
    int tokenAllowedClockSkewSeconds() default 0;

    @AttributeDefinition(
            name = "Anonymous role",
            description = "When set, handshakes without a token are accepted as this role. Empty: they get 401.")
    String anonymousUserRole() default "";

    @AttributeDefinition(
            name = "Allowed origins",
            description = "Origins (scheme://host[:port]) a browser may open sessions from, besides the gateway's "
                    + "own origin. '*' allows every origin. Others get 403 before the upgrade. A request without an "
                    + "Origin header is allowed unless a browser marks it as sent from another site "
                    + "(Sec-Fetch-Site: cross-site or same-site), as a no-cors fetch or an image is.")
    String[] allowedOrigins() default {};

    @AttributeDefinition(
            name = "Allowed hosts",
            description = "Host names (the Host header, without the port) this gateway answers to, against DNS "
                    + "rebinding: a page whose name was pointed at this node is refused with 403. localhost, "
                    + "*.localhost and IP addresses are always allowed; add every name clients use to reach the node "
                    + "(a leading '.' allows a domain's subdomains: .example.com). '*' allows any name.")
    String[] allowedHosts() default {};

    @AttributeDefinition(
            name = "Super-user roles",
            description = "Roles allowed to read the statistics endpoints (/admin/v2/proxy-stats/...) when "
                    + "authentication is enabled, as Pulsar's superUserRoles; others get 401.")
    String[] superUserRoles() default {};

    @AttributeDefinition(
            name = "Authenticate /metrics",
            description = "With authentication enabled, also require a super-user token for the Prometheus "
                    + "endpoint /metrics (as the broker's authenticateMetricsEndpoint).")
    boolean authenticateMetricsEndpoint() default false;

    @AttributeDefinition(
            name = "JAAS realm for HTTP Basic",
            description = "When set (e.g. karaf), handshakes may also authenticate with Authorization: Basic against "
                    + "this Karaf JAAS realm; the user name is the role. Not usable together with "
                    + "authorizationEnabled of io.pulsarws.gateway, which needs a token per client. Empty: off.")
    String jaasRealm() default "";
}
