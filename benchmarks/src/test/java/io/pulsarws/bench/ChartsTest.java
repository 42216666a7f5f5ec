package io.pulsarws.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The pictures are well-formed SVG with one bar per figure and one point per percentile measured. */
class ChartsTest {

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void barsAndCurvesFromTheResultsFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("produce-100-Pulsar-proxy.properties"), "throughput=25000\n");
        Files.writeString(dir.resolve("produce-100-ours.properties"), "throughput=30000\n");
        Files.writeString(dir.resolve("produce-100-native.properties"), "throughput=54000\n");
        Files.writeString(dir.resolve("after-flood-read-ours.properties"), "throughput=1\n");
        Files.writeString(
                dir.resolve("rate-1k-ours.properties"), "p50=2.1\np90=3\np99=12.5\np999=21\np9999=40\nmax=55\n");
        Map<String, Map<String, Properties>> results = Charts.read(dir);
        assertEquals(3, results.get("produce-100").size());
        Document bars = parse(Charts.throughput(results));
        // one background, three bars and three legend keys
        assertEquals(7, bars.getElementsByTagName("rect").getLength());
        assertTrue(Charts.throughput(results).contains(">54,000<"));
        Document curve = parse(Charts.latency(
                results,
                "rate-1k",
                java.util.List.of("p50", "p90", "p99", "p999", "p9999", "max"),
                "send→ack at 1,000 msg/s (ms)"));
        assertEquals(6, curve.getElementsByTagName("circle").getLength());
        assertEquals(1, curve.getElementsByTagName("polyline").getLength());
        assertEquals(5, Charts.write(results, dir.resolve("out")).size());
        // the fan-out chart: its own loads only
        Files.writeString(dir.resolve("fanout-1000-Pulsar-proxy.properties"), "throughput=20940\n");
        Files.writeString(dir.resolve("fanout-1000-ours.properties"), "throughput=33876\n");
        String fan = Charts.bars(Charts.read(dir), Charts.FANOUT, "fan-out");
        assertEquals(6, parse(fan).getElementsByTagName("rect").getLength()); // background, two bars, three keys
        assertTrue(fan.contains(">33,876<") && !fan.contains(">54,000<"), fan);
    }

    @Test
    void aLoadNotRunSaysSo() throws Exception {
        Map<String, Map<String, Properties>> none = new LinkedHashMap<>();
        none.put("produce-100", new LinkedHashMap<>(Map.of(Report.OURS, ReportTest.props("throughput", "1"))));
        String svg = Charts.latency(none, "rate-5k", java.util.List.of("p50"), "x");
        parse(svg);
        assertTrue(svg.contains("not measured in this run"));
    }
}
