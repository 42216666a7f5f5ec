package io.pulsarws.websocket.internal.edge;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the connection limits. It lives apart from the servlet on purpose: configuration on the whiteboard
 * servlet's own component would change its registration, and Pax Web restarts the whole web context (dropping
 * every open WebSocket) on such a change.
 */
@Component(
        service = WebSocketSettings.class,
        configurationPid = WebSocketSettings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        immediate = true)
@Designate(ocd = WebSocketConfiguration.class)
public class WebSocketSettings {
    static final String PID = "io.pulsarws.websocket";
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSettings.class);

    private volatile WebSocketConfiguration config;

    @Activate
    public WebSocketSettings(WebSocketConfiguration config) {
        configure(config);
    }

    @Modified
    void configure(WebSocketConfiguration config) {
        if (config.maxTextFrameSize() < 1024
                || config.idleTimeoutMillis() < 1000
                || config.pingIntervalSeconds() < 0
                || config.maxPendingHandshakes() < 1
                || config.maxPendingHttpOpens() < 1
                || config.statsIntervalSeconds() < 1
                || config.maxSessions() < 0
                || config.maxSessionsPerAddress() < 0
                || config.maxSessionsPerPrincipal() < 0
                || config.maxQueuedBytesPerSession() < 1024
                || config.maxQueuedBytes() < 0
                || config.slowClientTimeoutMillis() < 1000
                || config.requestBodyTimeoutMillis() < 100
                || config.maxReceivingBytesPerPrincipal() < 0
                || config.maxReceivingBytes() < 0
                || config.drainPeriodSeconds() < 0) {
            LOG.error(
                    "Rejected {} configuration: maxTextFrameSize must be >= 1024, idleTimeoutMillis >= 1000, "
                            + "pingIntervalSeconds >= 0, maxPendingHandshakes and maxPendingHttpOpens >= 1, statsIntervalSeconds >= 1, maxSessions and "
                            + "maxSessionsPerAddress and maxSessionsPerPrincipal >= 0, maxQueuedBytesPerSession >= 1024, maxQueuedBytes >= 0, "
                            + "slowClientTimeoutMillis >= 1000, requestBodyTimeoutMillis >= 100, maxReceivingBytesPerPrincipal and "
                            + "maxReceivingBytes >= 0, drainPeriodSeconds >= 0; keeping the previous values",
                    PID);
            if (this.config != null) {
                return;
            }
        }
        this.config = config;
        LOG.info(
                "WebSocket limits: maxTextFrameSize={} bytes, idleTimeout={} ms, ping every {} s, maxSessions={}, "
                        + "maxSessionsPerAddress={}, outbound budget {} bytes per session and {} bytes in all, slow client "
                        + "timeout {} ms, receiving {} bytes per principal and {} bytes in all, drain period {} s, "
                        + "web console {}, HTTP fallback {}, permessage-deflate {}",
                config.maxTextFrameSize(),
                config.idleTimeoutMillis(),
                config.pingIntervalSeconds(),
                config.maxSessions(),
                config.maxSessionsPerAddress(),
                config.maxQueuedBytesPerSession(),
                maxQueuedBytes(),
                config.slowClientTimeoutMillis(),
                config.maxReceivingBytesPerPrincipal(),
                maxReceivingBytes(),
                config.drainPeriodSeconds(),
                config.consoleEnabled() ? "on" : "off",
                config.httpEnabled() ? "on" : "off",
                config.permessageDeflate() ? "on" : "off");
    }

    public boolean httpEnabled() {
        return config.httpEnabled();
    }

    /** @return whether new WebSocket connections accept permessage-deflate when their client offers it */
    public boolean permessageDeflate() {
        return config.permessageDeflate();
    }

    public boolean consoleEnabled() {
        return config.consoleEnabled();
    }

    public int maxQueuedBytesPerSession() {
        return Math.max(1024, config.maxQueuedBytesPerSession());
    }

    /** @return the node's outbound budget: as configured, or a quarter of the maximum heap */
    public long maxQueuedBytes() {
        long configured = config.maxQueuedBytes();
        return configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 4;
    }

    /** @return the bytes one principal may hold of messages and bodies being received, 0 for no limit */
    public long maxReceivingBytesPerPrincipal() {
        return Math.max(0, config.maxReceivingBytesPerPrincipal());
    }

    /** @return the node's bound for bytes being received: as configured, or an eighth of the maximum heap */
    public long maxReceivingBytes() {
        long configured = config.maxReceivingBytes();
        return configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 8;
    }

    public long slowClientTimeoutMillis() {
        return Math.max(1000, config.slowClientTimeoutMillis());
    }

    public int maxTextFrameSize() {
        return Math.max(1024, config.maxTextFrameSize());
    }

    public long idleTimeoutMillis() {
        return Math.max(1000, config.idleTimeoutMillis());
    }

    public int pingIntervalSeconds() {
        return Math.max(0, config.pingIntervalSeconds());
    }

    public int maxPendingHandshakes() {
        return Math.max(1, config.maxPendingHandshakes());
    }

    public int maxPendingHttpOpens() {
        return Math.max(1, config.maxPendingHttpOpens());
    }

    public int maxSessions() {
        return Math.max(0, config.maxSessions());
    }

    public long requestBodyTimeoutMillis() {
        return Math.max(100, config.requestBodyTimeoutMillis());
    }

    public int maxSessionsPerPrincipal() {
        return Math.max(0, config.maxSessionsPerPrincipal());
    }

    public int maxSessionsPerAddress() {
        return Math.max(0, config.maxSessionsPerAddress());
    }

    /** @return what a drain's closing is spread over, in seconds (0: all at once) */
    public int drainPeriodSeconds() {
        return Math.max(0, config.drainPeriodSeconds());
    }

    int statsIntervalSeconds() {
        return Math.max(1, config.statsIntervalSeconds());
    }
}
