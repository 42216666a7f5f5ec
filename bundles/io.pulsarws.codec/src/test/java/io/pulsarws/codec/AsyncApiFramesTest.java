package io.pulsarws.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The frames of the AsyncAPI document ({@code docs/asyncapi.yaml}) against the codec: the fields it reads in send
 * frames and consumer commands, the command types it knows, and the fields it writes in every frame it sends must
 * be exactly those the document lists. A field added to one and not the other fails here.
 */
class AsyncApiFramesTest {
    private static final String SOURCES = "src/main/java/io/pulsarws/codec/";
    private static final Pattern CASE = Pattern.compile("case \"([A-Za-z]+)\" ->");

    private final FrameCodec codec = new FrameCodec();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> messages() throws IOException {
        Map<String, Object> doc =
                (Map<String, Object>) new Yaml().load(Files.readString(Paths.get("../../docs/asyncapi.yaml")));
        return map(map(doc.get("components")).get("messages"));
    }

    /** @return the property names of a documented message's payload, of a nested object if a path is given */
    private static Set<String> documented(Map<String, Object> messages, String message, String... nested)
            throws IOException {
        Map<String, Object> schema = map(map(messages.get(message)).get("payload"));
        for (String n : nested) {
            schema = map(map(schema.get("properties")).get(n));
        }
        return new TreeSet<>(map(schema.get("properties")).keySet());
    }

    /** @return the field names a method of the codec's source switches on ({@code case "name" ->}) */
    private static Set<String> casesIn(String file, String methodStart) throws IOException {
        String source = Files.readString(Paths.get(SOURCES + file));
        int from = source.indexOf(methodStart);
        int to = source.indexOf("\n    }\n", from);
        Set<String> names = new TreeSet<>();
        Matcher m = CASE.matcher(source.substring(from, to));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** @return the keys of a JSON object, with those of a nested object as {@code outer.inner} */
    private static Set<String> keys(String json) throws IOException {
        Set<String> keys = new TreeSet<>();
        try (JsonParser p = new JsonFactory().createParser(json.getBytes(StandardCharsets.UTF_8))) {
            java.util.Deque<String> path = new java.util.ArrayDeque<>();
            String field = null;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.FIELD_NAME) {
                    field = p.currentName();
                    keys.add(path.isEmpty() ? field : String.join(".", path) + "." + field);
                } else if (t == JsonToken.START_OBJECT && field != null) {
                    path.addLast(field);
                } else if (t == JsonToken.END_OBJECT && !path.isEmpty()) {
                    path.removeLast();
                }
            }
        }
        return keys;
    }

    @Test
    void sendFramesHaveTheFieldsTheCodecReads() throws IOException {
        Set<String> code = casesIn("SendFrameReader.java", "ProducerFrame read(Frame frame, ");
        assertEquals(12, code.size(), code.toString());
        assertEquals(code, documented(messages(), "send"));
    }

    @Test
    void consumerCommandsHaveTheFieldsAndTypesTheCodecReads() throws IOException {
        Map<String, Object> messages = messages();
        Set<String> documented = new TreeSet<>();
        Set<String> types = new TreeSet<>();
        for (String command : List.of(
                "ack",
                "readerAck",
                "negativeAcknowledge",
                "permit",
                "unsubscribe",
                "isEndOfTopic",
                "ackCumulative",
                "seek")) {
            documented.addAll(documented(messages, command));
            Object type = map(map(map(messages.get(command)).get("payload")).get("properties"))
                    .get("type");
            if (type != null && map(type).get("const") != null) {
                types.add(map(type).get("const").toString());
            }
        }
        assertEquals(casesIn("CommandReader.java", "ConsumerCommand read(Frame frame)"), documented);
        assertEquals(casesIn("CommandReader.java", "private static ConsumerCommand.Type commandType("), types);
    }

    @Test
    void everyFrameTheCodecWritesHasTheDocumentedFields() throws IOException, FrameException {
        Map<String, Object> messages = messages();
        Set<String> results = new TreeSet<>();
        results.addAll(keys(codec.encodeSendOk("CAEQAQ==", "1")));
        results.addAll(keys(codec.encodeSendError(WebSocketError.PAYLOAD_ENCODING_ERROR, "bad", "1")));
        results.addAll(keys(codec.encodeSendUnknown("timed out", "1")));
        assertEquals(documented(messages, "sendResult"), results);

        EncryptionInfo encryption = new EncryptionInfo(
                Map.of("k", new EncryptionInfo.Key(new byte[] {1}, Map.of())), new byte[] {2}, "RSA", "LZ4", 10, 3);
        // in a session with payloadFormat=json, so that the frame also says its payload stayed base64
        Set<String> delivery = keys(codec.encodeMessage(
                new DeliveredMessage("CAEQAQ==", new byte[] {1}, Map.of(), 1L, 1, 2L, "key", encryption),
                PayloadFormat.JSON));
        Set<String> top = new TreeSet<>();
        Set<String> context = new TreeSet<>();
        for (String k : delivery) {
            if (!k.contains(".")) {
                top.add(k);
            } else if (k.startsWith("encryptionContext.") && k.indexOf('.', 18) < 0) {
                context.add(k.substring(18));
            }
        }
        assertEquals(documented(messages, "delivery"), top);
        assertEquals(documented(messages, "delivery", "encryptionContext"), context);

        assertEquals(
                documented(messages, "commandError"),
                keys(codec.encodeCommandError("seek", WebSocketError.UNKNOWN_ERROR, "failed")));
        assertEquals(documented(messages, "endOfTopic"), keys(codec.encodeEndOfTopic(true)));
    }
}
