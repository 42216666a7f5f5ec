/**
 * The session manager's service API: turn an endpoint path plus query parameters into a live gateway session
 * (a Pulsar producer or consumer) or an HTTP refusal, then move text frames between that session and its socket.
 */
@Version("2.6.0")
package io.pulsarws.session;

import org.osgi.annotation.versioning.Version;
