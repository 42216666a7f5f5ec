package io.pulsarws.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} options; each key read must be one the command knows, so a typo is an error, not a default. */
final class Options {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> known;

    Options(String[] args, int from, List<String> known) {
        this.known = known;
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !known.contains(a.substring(2))) {
                throw new IllegalArgumentException("unknown option " + a + "; known: --" + String.join(", --", known));
            }
            String name = a.substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                values.put(name, args[++i]);
            } else {
                values.put(name, "true"); // a flag
            }
        }
    }

    String string(String name, String fallback) {
        check(name);
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String v = string(name, null);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    int integer(String name, int fallback) {
        String v = string(name, null);
        return v == null ? fallback : parse(name, v);
    }

    /** A size: a number of bytes, or with the suffix k/K (KiB). */
    int size(String name, int fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        return v.endsWith("k") || v.endsWith("K") ? 1024 * parse(name, v.substring(0, v.length() - 1)) : parse(name, v);
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    private static int parse(String name, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not " + v);
        }
    }

    private void check(String name) {
        if (!known.contains(name)) {
            throw new IllegalStateException("option --" + name + " is not declared");
        }
    }
}
