package io.pulsarws.codec;

/**
 * W3C Trace Context (the Recommendation of 2021-11-23): the {@code traceparent} a client sends, checked, and the
 * {@code traceparent} of the gateway's own span that continues it. A message published through the gateway carries
 * the second one in its {@code traceparent} property, which Pulsar's Java client (4.2, PIP-446) and other tracing
 * consumers read as the message's parent span. Stateless.
 */
public final class TraceParent {
    /** The header, and the message property, that carries the parent span. */
    public static final String TRACEPARENT = "traceparent";
    /** The header, and the message property, of vendor-specific trace data; passed on unchanged. */
    public static final String TRACESTATE = "tracestate";
    /** The longest {@code tracestate} passed on: the Recommendation's 32 list members of at most 256 characters. */
    public static final int MAX_TRACESTATE = 8192;

    private static final int LENGTH = 55; // "00-" + 32 + "-" + 16 + "-" + 2
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TraceParent() {}

    /**
     * @return true for a {@code traceparent} the gateway continues: version {@code 00} of exactly 55 characters, or
     *     a later version whose first 55 characters have that layout (followed by nothing or by {@code -});
     *     lowercase hex; neither the trace id nor the parent id all zeros; version {@code ff} is invalid
     */
    public static boolean valid(String value) {
        if (value == null || value.length() < LENGTH) {
            return false;
        }
        if (!hex(value, 0, 2) || value.startsWith("ff")) {
            return false;
        }
        boolean version0 = value.startsWith("00");
        if (version0 ? value.length() != LENGTH : value.length() > LENGTH && value.charAt(LENGTH) != '-') {
            return false;
        }
        return value.charAt(2) == '-'
                && hex(value, 3, 35)
                && !zeros(value, 3, 35)
                && value.charAt(35) == '-'
                && hex(value, 36, 52)
                && !zeros(value, 36, 52)
                && value.charAt(52) == '-'
                && hex(value, 53, 55);
    }

    /**
     * @return true for a {@code tracestate} passed on: at most {@link #MAX_TRACESTATE} characters, printable ASCII
     *     (its list syntax is the tracing system's business; nothing the client sends becomes a control character)
     */
    public static boolean validState(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_TRACESTATE) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param parent a {@link #valid} traceparent
     * @param spanId the gateway span's id; 0 is not a valid id and is replaced by 1
     * @return the version-00 traceparent of a child span: the parent's trace id and flags, this span id
     */
    public static String child(String parent, long spanId) {
        char[] out = new char[LENGTH];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        parent.getChars(3, 36, out, 3); // the trace id and the '-' after it
        long id = spanId == 0 ? 1 : spanId;
        for (int i = 0; i < 16; i++) {
            out[36 + i] = HEX[(int) (id >>> (60 - 4 * i)) & 0xf];
        }
        out[52] = '-';
        out[53] = parent.charAt(53);
        out[54] = parent.charAt(54);
        return new String(out);
    }

    /** @return the trace id of a {@link #valid} traceparent */
    public static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }

    /** @return the parent (span) id of a {@link #valid} traceparent */
    public static String spanId(String traceparent) {
        return traceparent.substring(36, 52);
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
