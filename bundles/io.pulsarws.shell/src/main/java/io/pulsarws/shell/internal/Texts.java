package io.pulsarws.shell.internal;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.karaf.shell.support.table.ShellTable;

/** Output helpers shared by the commands. */
final class Texts {
    static final String NO_GATEWAY = "the gateway has no Pulsar client (io.pulsarws.gateway not configured or invalid)";

    private Texts() {}

    static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    /** @return a short age such as {@code 42s}, {@code 5m12s} or {@code 3h04m} */
    static String age(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** Rows printed as a Karaf table (like {@code bundle:list}) or as RFC 4180 CSV. */
    static final class Table {
        private final String[] headers;
        private final List<Object[]> rows = new ArrayList<>();

        Table(String... headers) {
            this.headers = headers;
        }

        void add(Object... cells) {
            rows.add(cells);
        }

        void print(PrintStream out, boolean csv) {
            if (csv) {
                out.println(line(headers));
                rows.forEach(r -> out.println(line(r)));
                return;
            }
            ShellTable table = new ShellTable();
            for (String h : headers) {
                table.column(h);
            }
            rows.forEach(r -> table.addRow().addContent(r));
            table.print(out);
        }

        private static String line(Object[] cells) {
            return Stream.of(cells).map(c -> quote(String.valueOf(c))).collect(Collectors.joining(","));
        }

        private static String quote(String s) {
            return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
        }
    }
}
