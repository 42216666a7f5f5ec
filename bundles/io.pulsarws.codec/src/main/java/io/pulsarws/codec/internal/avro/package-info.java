/**
 * The Avro mapping behind {@link io.pulsarws.codec.AvroJson}, one part per file (see {@link
 * io.pulsarws.codec.internal.avro.AvroMapping}). Private to the codec bundle: not exported, no version.
 */
package io.pulsarws.codec.internal.avro;
