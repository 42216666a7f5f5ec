/**
 * The pages an operator reads: {@code /metrics}, {@code /health} and {@code /ready}, Pulsar's proxy statistics, the
 * web console and the AsyncAPI document, each an {@code HttpRoute}. Depends on the edge and security packages.
 */
package io.pulsarws.websocket.internal.operations;
