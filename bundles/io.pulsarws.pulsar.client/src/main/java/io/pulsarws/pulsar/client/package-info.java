/** The gateway's access to the embedded Pulsar client beyond its API (exported at 1.0.0, see the pom). */
package io.pulsarws.pulsar.client;
