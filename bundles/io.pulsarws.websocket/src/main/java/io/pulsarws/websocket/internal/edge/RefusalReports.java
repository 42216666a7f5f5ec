package io.pulsarws.websocket.internal.edge;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * Refused handshakes kept for the web console. A browser's {@code WebSocket} reports a refused handshake as a bare
 * close 1006: the HTTP status and reason never reach the page. The console therefore offers a random id as the
 * subprotocol {@code report.<id>} (read by the WebSocket endpoints); a refusal of that handshake is kept here under the id,
 * and the page fetches it once from {@code /pulsar-websocket/console/refusals/<id>} (the console page).
 *
 * <p>What is kept is what the refused client got in the HTTP response anyway. It is bounded: at most
 * {@link #CAPACITY} reports (the oldest goes first), each for {@link #TTL_SECONDS} s, each read once, with a reason
 * of at most {@link #MAX_REASON} characters and an id of at most {@link #MAX_ID}: about 330 KiB in all however many
 * clients are refused (256 x (576 characters at 2 bytes, plus the map entry)). A page of another origin cannot read them (no CORS headers), and an id
 * is 16 to 64 characters the page chose at random. One client address keeps at most {@link #PER_ADDRESS} reports
 * (its own eldest go first), so that no single client can flush the reports other pages wait for.
 */
@Component(service = RefusalReports.class, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
public class RefusalReports {
    static final int CAPACITY = 256;
    public static final long TTL_SECONDS = 60;
    public static final int MAX_REASON = 512;
    static final int MIN_ID = 16;
    static final int MAX_ID = 64;
    static final int PER_ADDRESS = 8;

    /** A refusal as the client got it. */
    public record Report(int status, String reason) {}

    private record Kept(Report report, long at, String address) {}

    private final LongSupplier nanoClock;

    /** In the order they were kept: the eldest is the first to expire and the first to go when full. */
    private final Map<String, Kept> reports = new LinkedHashMap<>();

    public RefusalReports() {
        this(System::nanoTime);
    }

    RefusalReports(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** @return the id if it is 16 to 64 of {@code A-Z a-z 0-9 _ -}, else null */
    public static String validId(String id) {
        if (id == null || id.length() < MIN_ID || id.length() > MAX_ID) {
            return null;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            if (!ok) {
                return null;
            }
        }
        return id;
    }

    /**
     * Keeps a refusal under a valid id (see {@link #validId}), replacing an earlier one under the same id.
     *
     * @param address the refused client's address: it keeps at most {@link #PER_ADDRESS} reports
     */
    public synchronized void keep(String id, int status, String reason, String address) {
        long now = nanoClock.getAsLong();
        expire(now);
        String r = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason;
        reports.remove(id); // a re-kept id goes to the young end
        int mine = 0;
        for (Kept k : reports.values()) {
            mine += k.address().equals(address) ? 1 : 0;
        }
        for (Iterator<Kept> it = reports.values().iterator(); mine >= PER_ADDRESS && it.hasNext(); ) {
            if (it.next().address().equals(address)) {
                it.remove(); // this address's eldest
                mine--;
            }
        }
        reports.put(id, new Kept(new Report(status, r), now, address));
        Iterator<Kept> eldest = reports.values().iterator();
        while (reports.size() > CAPACITY) {
            eldest.next();
            eldest.remove();
        }
    }

    /** @return the refusal kept under the id, which is then forgotten; null if none (or expired) */
    public synchronized Report take(String id) {
        expire(nanoClock.getAsLong());
        Kept k = reports.remove(id);
        return k == null ? null : k.report();
    }

    /** @return how many reports are kept */
    synchronized int size() {
        expire(nanoClock.getAsLong());
        return reports.size();
    }

    private void expire(long now) {
        long ttl = TimeUnit.SECONDS.toNanos(TTL_SECONDS);
        for (Iterator<Kept> it = reports.values().iterator(); it.hasNext(); ) {
            if (now - it.next().at() < ttl) {
                return; // the rest are younger
            }
            it.remove();
        }
    }
}
