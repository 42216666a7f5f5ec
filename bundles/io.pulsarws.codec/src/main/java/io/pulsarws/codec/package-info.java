/**
 * The frames of Pulsar's WebSocket API (producer send and result, pushed consumer message, consumer commands,
 * end-of-topic answer) as plain Java types, and {@link io.pulsarws.codec.FrameCodec} to read and write them.
 * Nothing here depends on OSGi or on the Pulsar client.
 */
@Version("2.5.0")
package io.pulsarws.codec;

import org.osgi.annotation.versioning.Version;
