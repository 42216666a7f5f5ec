/**
 * Who may do what at the edge: the Origin and Host checks (browsers, DNS rebinding), token and Basic
 * authentication, super-user checks for the statistics, the login throttle, and charging a session to its
 * principal. Decides from {@code HttpExchange} values only; depends on the edge package.
 */
package io.pulsarws.websocket.internal.security;
