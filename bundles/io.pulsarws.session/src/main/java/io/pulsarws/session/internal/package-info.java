/** The session manager's implementation: the Pulsar client component and one session class per kind. */
package io.pulsarws.session.internal;
