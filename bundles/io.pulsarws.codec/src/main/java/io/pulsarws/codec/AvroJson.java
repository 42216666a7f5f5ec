package io.pulsarws.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Maps between natural JSON values and the Avro binary encoding, for a schema given as an Avro schema definition:
 * the JSON text Pulsar stores as the definition of its {@code AVRO} and {@code JSON} schema types. This is a small
 * implementation of our own over Jackson's streaming API; no Avro library is needed at run time.
 *
 * <table>
 * <caption>The mapping</caption>
 * <tr><th>Avro</th><th>JSON</th></tr>
 * <tr><td>null</td><td>{@code null}</td></tr>
 * <tr><td>boolean</td><td>{@code true} or {@code false}</td></tr>
 * <tr><td>int, long</td><td>an integer within the type's range; a number with a fraction or exponent
 *     ({@code 1.0}, {@code 1e3}) is refused</td></tr>
 * <tr><td>float, double</td><td>any number (rounded to the nearest value of the type), or the string {@code "NaN"},
 *     {@code "Infinity"} or {@code "-Infinity"}, which are also written for those values</td></tr>
 * <tr><td>string</td><td>a string</td></tr>
 * <tr><td>bytes</td><td>a base64 string: standard alphabet, with padding</td></tr>
 * <tr><td>fixed</td><td>a base64 string of exactly {@code size} bytes</td></tr>
 * <tr><td>enum</td><td>its symbol, as a string</td></tr>
 * <tr><td>array</td><td>an array</td></tr>
 * <tr><td>map</td><td>an object</td></tr>
 * <tr><td>record</td><td>an object: written with the fields in schema order; read in any order, where a field
 *     absent from the object takes its {@code default} (for a union, a value of its first branch) or, if it has none
 *     and its type is a union with {@code null}, null; any other absent field, a field not in the schema and a key
 *     given twice are refused</td></tr>
 * <tr><td>union</td><td>the value itself, unwrapped: read as the first branch, in schema order, that it fits;
 *     written as its branch writes it</td></tr>
 * <tr><td>decimal (bytes or fixed)</td><td>a number, written as plain decimal text with the schema's scale
 *     ({@code 12.30} for scale 2); read from a number or a numeric string with at most the schema's scale (more
 *     decimal places are refused unless they are zeros) and at most its precision</td></tr>
 * <tr><td>uuid (string)</td><td>a string; read only in the 8-4-4-4-12 hex digit form</td></tr>
 * <tr><td>date, time-millis, time-micros, timestamp-millis, timestamp-micros, timestamp-nanos,
 *     local-timestamp-millis, local-timestamp-micros, local-timestamp-nanos</td><td>the underlying int or long,
 *     unconverted</td></tr>
 * </table>
 *
 * <p>Other logical types, and a decimal whose attributes are invalid, are ignored as Avro ignores them: the
 * underlying type applies. Named types may be referenced by their full name or by their name in the enclosing
 * namespace, and records may be recursive; {@code aliases}, {@code doc} and {@code order} are ignored. The Avro
 * binary encoding is the specification's: zig-zag varints, little-endian IEEE floats, length-prefixed bytes and
 * strings, arrays and maps in blocks (written as one block; a block with a negative count and a byte size is read).
 *
 * <p>Bounds, since the JSON comes from clients and the Avro from the broker: definitions longer than 1 MiB, types
 * nested deeper than 64 levels and decimals of more than 1000 digits are not supported; JSON input nested deeper than
 * 64 levels is refused, as is input whose Avro encoding would be longer than 1 MiB plus 16 times the input's length
 * (absent fields with large defaults); Avro data that is nested deeper than 64 levels, has strings that are not
 * UTF-8, or would need more than 16 + 8 × its length JSON tokens (plus the tokens of the schema's fixed skeleton) is
 * not decoded. Every length in Avro data is checked against the bytes left before anything is allocated for it.
 *
 * <p>Instances are immutable and thread-safe; parse a definition once and reuse the instance.
 *
 * @since 2.4.0
 */
public final class AvroJson {
    /** Longest definition {@link #parse} reads, in chars. */
    private static final int MAX_DEFINITION_LENGTH = 1 << 20;
    /** Deepest nesting of types in a definition, of JSON input and of decoded values. */
    private static final int MAX_DEPTH = 64;
    /** Deepest nesting of a definition's JSON text: room for {@link #MAX_DEPTH} types and their defaults. */
    private static final int MAX_DEFINITION_JSON_DEPTH = 5 * MAX_DEPTH;
    /** Deepest recursion while encoding a definition's defaults (a default may use other fields' defaults). */
    private static final int MAX_DEFAULT_DEPTH = 1000;
    /** Most digits of a decimal. */
    private static final int MAX_DECIMAL_PRECISION = 1000;
    /** Most JSON tokens counted for the fixed skeleton of a schema, in the output budget of {@link #toJson}. */
    private static final int MAX_SKELETON = 1 << 16;
    /** Avro output allowed beyond {@link #OUTPUT_FACTOR} times the JSON input's length. */
    private static final long OUTPUT_ALLOWANCE = 1 << 20;
    /** Avro output allowed per byte of JSON input. */
    private static final long OUTPUT_FACTOR = 16;
    /** Longest text of the input quoted in a message. */
    private static final int MAX_QUOTED = 64;

    private final String definition;
    private final Type root;
    private final JsonFactory json;

    private AvroJson(String definition, Type root, JsonFactory json) {
        this.definition = definition;
        this.root = root;
        this.json = json;
    }

    /**
     * Parses a definition.
     *
     * @param definition an Avro schema definition: a record, any other type, or a primitive type's name as a JSON
     *     string (e.g. {@code "string"})
     * @return the schema, to map values with
     * @throws IllegalArgumentException with a plain message if it is not a schema this class supports
     */
    public static AvroJson parse(String definition) {
        Objects.requireNonNull(definition, "definition");
        if (definition.length() > MAX_DEFINITION_LENGTH) {
            throw new IllegalArgumentException("the schema definition is longer than 1 MiB");
        }
        JsonFactory json = factory();
        Object tree;
        try (JsonParser parser = json.createParser(definition)) {
            tree = readDocument(parser, MAX_DEFINITION_JSON_DEPTH, true);
        } catch (Mismatch e) {
            throw new IllegalArgumentException("schema definition: " + e.describe());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SchemaReader reader = new SchemaReader();
        Type root = reader.type(tree, null, 1);
        for (Field field : reader.fields) {
            defaultOf(field, 0);
        }
        return new AvroJson(definition, root, json);
    }

    /**
     * Checks that a JSON value fits the schema and returns its Avro binary encoding.
     *
     * @param json the value as UTF-8 JSON text, e.g. compact JSON
     * @param offset where the text starts in {@code json}
     * @param length the text's length in bytes
     * @return the value's Avro binary encoding
     * @throws IllegalArgumentException whose message says where and why, e.g. {@code $.address.zip: expected int,
     *     not a string}, {@code $: field 'age' is required} or {@code $: field 'x' is not in the schema}
     */
    public byte[] toAvro(byte[] json, int offset, int length) {
        Object value = read(json, offset, length);
        long limit = Math.min(Integer.MAX_VALUE - 16, OUTPUT_ALLOWANCE + OUTPUT_FACTOR * length);
        Out out = new Out(Math.max(16, Math.min(length, 1 << 16)), limit);
        try {
            new Encoder().write(value, root, out);
        } catch (Mismatch e) {
            throw new IllegalArgumentException(e.describe());
        }
        return out.toByteArray();
    }

    /**
     * Checks that a JSON value fits the schema, as for Pulsar's JSON-schema topics, which store the JSON itself.
     *
     * @param json the value as UTF-8 JSON text
     * @param offset where the text starts in {@code json}
     * @param length the text's length in bytes
     * @throws IllegalArgumentException as {@link #toAvro}, except that no Avro encoding is made, so its length is not
     *     bounded
     */
    public void check(byte[] json, int offset, int length) {
        Object value = read(json, offset, length);
        try {
            new Encoder().write(value, root, Out.sink());
        } catch (Mismatch e) {
            throw new IllegalArgumentException(e.describe());
        }
    }

    /**
     * Decodes Avro binary to JSON. Never throws for bad data.
     *
     * @param avro a value's Avro binary encoding
     * @return its compact UTF-8 JSON text, or null if the bytes do not decode with this schema: wrong or truncated
     *     data, trailing bytes, or more output than the budget allows
     */
    public byte[] toJson(byte[] avro) {
        Objects.requireNonNull(avro, "avro");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.max(32, Math.min(2 * avro.length, 1 << 16)));
        try (JsonGenerator generator = json.createGenerator(buffer)) {
            Decoder decoder = new Decoder(avro, generator, 16L + 8L * avro.length + root.skeleton);
            decoder.value(root, 0);
            if (decoder.position != avro.length) {
                return null;
            }
        } catch (Bad e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /** @return the schema's definition, as given to {@link #parse} */
    public String definition() {
        return definition;
    }

    // ---------------------------------------------------------------------------------------------- JSON text

    private static JsonFactory factory() {
        // no symbol table for names: they come from clients and need not be shared
        return JsonFactory.builder()
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .build();
    }

    /** A JSON {@code null} in a tree, where Java's null would be ambiguous. */
    private enum JsonNull {
        NULL
    }

    /** A JSON number in a tree: its text, and whether it has neither fraction nor exponent. */
    private record Num(String text, boolean integral) {}

    /** @return the tree of a JSON value from client bytes; its objects are maps, its arrays lists */
    private Object read(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        // Jackson skips a byte-order mark and reads a zero byte in the first four as UTF-16 or UTF-32: neither
        // is UTF-8 JSON text
        boolean bom = length >= 3
                && bytes[offset] == (byte) 0xEF
                && bytes[offset + 1] == (byte) 0xBB
                && bytes[offset + 2] == (byte) 0xBF;
        for (int i = offset; i < offset + Math.min(4, length); i++) {
            bom |= bytes[i] == 0;
        }
        if (bom) {
            throw new IllegalArgumentException("$: malformed JSON: not UTF-8 JSON text");
        }
        try (JsonParser parser = json.createParser(bytes, offset, length)) {
            return readDocument(parser, MAX_DEPTH, false);
        } catch (Mismatch e) {
            throw new IllegalArgumentException(e.describe());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object readDocument(JsonParser parser, int maxDepth, boolean lastKeyWins) throws IOException {
        try {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw new Mismatch("malformed JSON: no value");
            }
            Object value = readValue(parser, token, 0, maxDepth, lastKeyWins);
            if (parser.nextToken() != null) {
                throw new Mismatch("malformed JSON: more than one value");
            }
            return value;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new Mismatch("malformed JSON" + where + ": " + e.getOriginalMessage());
        }
    }

    private static Object readValue(JsonParser parser, JsonToken token, int depth, int maxDepth, boolean lastKeyWins)
            throws IOException {
        switch (token) {
            case START_OBJECT: {
                if (depth >= maxDepth) {
                    throw new Mismatch("nested deeper than " + maxDepth + " levels");
                }
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    Object value;
                    try {
                        value = readValue(parser, parser.nextToken(), depth + 1, maxDepth, lastKeyWins);
                    } catch (Mismatch e) {
                        throw e.under(name);
                    }
                    if (object.put(name, value) != null && !lastKeyWins) {
                        throw new Mismatch("key " + quote(name) + " appears twice");
                    }
                }
                return object;
            }
            case START_ARRAY: {
                if (depth >= maxDepth) {
                    throw new Mismatch("nested deeper than " + maxDepth + " levels");
                }
                List<Object> array = new ArrayList<>();
                for (JsonToken next = parser.nextToken();
                        next != JsonToken.END_ARRAY && next != null;
                        next = parser.nextToken()) {
                    int index = array.size();
                    try {
                        array.add(readValue(parser, next, depth + 1, maxDepth, lastKeyWins));
                    } catch (Mismatch e) {
                        throw e.under(index);
                    }
                }
                return array;
            }
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                return new Num(parser.getText(), true);
            case VALUE_NUMBER_FLOAT:
                return new Num(parser.getText(), false);
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return JsonNull.NULL;
            default:
                throw new Mismatch("malformed JSON: unexpected " + token);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object value) {
        return (Map<String, Object>) value;
    }

    private static String jsonKind(Object value) {
        if (value == JsonNull.NULL) {
            return "null";
        } else if (value instanceof Boolean) {
            return "a boolean";
        } else if (value instanceof Num) {
            return "a number";
        } else if (value instanceof String) {
            return "a string";
        } else if (value instanceof List) {
            return "an array";
        }
        return "an object";
    }

    /** @return text from the input for a message: quoted, cut short, without unpaired surrogates */
    private static String quote(String text) {
        return "'" + abbreviate(text) + "'";
    }

    private static String abbreviate(String text) {
        int end = Math.min(text.length(), MAX_QUOTED);
        StringBuilder quoted = new StringBuilder(end + 3);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (i + 1 == end) {
                    break;
                }
                quoted.append(c).append(text.charAt(++i));
            } else {
                quoted.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return end < text.length() ? quoted.append("...").toString() : quoted.toString();
    }

    /** A value that does not fit, with where (built as it propagates) and why; cheap, without a stack trace. */
    private static final class Mismatch extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final transient List<Object> reversedPath = new ArrayList<>(4);

        Mismatch(String message) {
            super(message, null, false, false);
        }

        /** @return this, one key or index further from the root */
        Mismatch under(Object segment) {
            reversedPath.add(segment);
            return this;
        }

        /** @return e.g. {@code $.address.zip: expected int, not a string} */
        String describe() {
            StringBuilder text = new StringBuilder("$");
            for (int i = reversedPath.size() - 1; i >= 0; i--) {
                Object segment = reversedPath.get(i);
                if (segment instanceof Integer) {
                    text.append('[').append(segment).append(']');
                } else if (isIdentifier((String) segment)) {
                    text.append('.').append(segment);
                } else {
                    text.append('[').append(quote((String) segment)).append(']');
                }
            }
            return text.append(": ").append(abbreviateMessage(getMessage())).toString();
        }

        private static boolean isIdentifier(String key) {
            if (key.isEmpty() || key.length() > MAX_QUOTED || Character.isDigit(key.charAt(0))) {
                return false;
            }
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                    return false;
                }
            }
            return true;
        }

        private static String abbreviateMessage(String message) {
            StringBuilder clean = new StringBuilder(message.length());
            for (int i = 0; i < message.length(); i++) {
                char c = message.charAt(i);
                if (Character.isHighSurrogate(c)
                        && i + 1 < message.length()
                        && Character.isLowSurrogate(message.charAt(i + 1))) {
                    clean.append(c).append(message.charAt(++i));
                } else {
                    clean.append(Character.isSurrogate(c) ? '\uFFFD' : c);
                }
            }
            return clean.toString();
        }
    }

    // ---------------------------------------------------------------------------------------------- the schema

    private enum Kind {
        NULL,
        BOOLEAN,
        INT,
        LONG,
        FLOAT,
        DOUBLE,
        BYTES,
        STRING,
        RECORD,
        ENUM,
        ARRAY,
        MAP,
        UNION,
        FIXED
    }

    /** A type of the schema; filled in while parsing, never changed afterwards. */
    private static final class Type {
        final Kind kind;
        /** The full name of a record, enum or fixed. */
        String name;
        /** The size of a fixed. */
        int size;
        /** Decimal attributes of bytes or fixed. */
        boolean decimal;

        int precision;
        int scale;
        /** The most bytes a decimal's significant two's-complement bytes may have. */
        int decimalBytes;
        /** Whether a string is a uuid. */
        boolean uuid;
        /** The items of an array, the values of a map. */
        Type items;
        /** The branches of a union. */
        Type[] branches;
        /** The index of a union's first null branch, or -1. */
        int nullBranch = -1;
        /** The fields of a record. */
        Field[] fields;

        Map<String, Field> fieldsByName;
        /** The symbols of an enum. */
        String[] symbols;

        Map<String, Integer> symbolIndex;
        /** The JSON tokens a value writes leaving out array and map items and taking the largest union branch. */
        int skeleton;

        Type(Kind kind) {
            this.kind = kind;
        }

        /** @return the type as messages name it, e.g. {@code int}, {@code record x.User}, {@code null or string} */
        String describe() {
            if (decimal) {
                return "decimal(" + precision + "," + scale + ")";
            } else if (uuid) {
                return "uuid";
            }
            switch (kind) {
                case RECORD:
                    return "record " + name;
                case ENUM:
                    return "enum " + name;
                case FIXED:
                    return "fixed " + name;
                case UNION:
                    if (branches.length == 0) {
                        return "an empty union";
                    }
                    StringBuilder text = new StringBuilder();
                    for (Type branch : branches) {
                        text.append(text.length() == 0 ? "" : " or ").append(branch.describe());
                    }
                    return text.toString();
                default:
                    return kind.name().toLowerCase(Locale.ROOT);
            }
        }

        /** @return whether a JSON value has a kind this type could take; unions never say yes */
        boolean accepts(Object value) {
            switch (kind) {
                case NULL:
                    return value == JsonNull.NULL;
                case BOOLEAN:
                    return value instanceof Boolean;
                case INT:
                case LONG:
                    return value instanceof Num;
                case FLOAT:
                case DOUBLE:
                    return value instanceof Num || value instanceof String;
                case STRING:
                case ENUM:
                    return value instanceof String;
                case BYTES:
                case FIXED:
                    return value instanceof String || decimal && value instanceof Num;
                case ARRAY:
                    return value instanceof List;
                case MAP:
                case RECORD:
                    return value instanceof Map;
                default:
                    return false;
            }
        }
    }

    /** A field of a record. */
    private static final class Field {
        final String record;
        final String name;
        final Type type;
        /** The default as the definition gives it, or null for none. */
        final Object defaultJson;
        /** The default's Avro encoding, once known. */
        byte[] defaultAvro;

        boolean encodingDefault;

        Field(String record, String name, Type type, Object defaultJson) {
            this.record = record;
            this.name = name;
            this.type = type;
            this.defaultJson = defaultJson;
        }
    }

    /** Reads a definition's tree into types, resolving names as Avro does. */
    private static final class SchemaReader {
        final Map<String, Type> named = new HashMap<>();
        final List<Field> fields = new ArrayList<>();

        Type type(Object json, String space, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("the schema nests types deeper than " + MAX_DEPTH + " levels");
            }
            if (json instanceof String) {
                String name = (String) json;
                Kind primitive = primitive(name);
                if (primitive != null) {
                    return primitive(primitive);
                }
                Type type = lookup(name, space);
                if (type == null) {
                    throw new IllegalArgumentException("unknown type " + quote(name));
                }
                return type;
            } else if (json instanceof List) {
                return union((List<?>) json, space, depth);
            } else if (json instanceof Map) {
                return typeObject(asObject(json), space, depth);
            }
            throw new IllegalArgumentException("a type must be a name, an object or an array, not " + jsonKind(json));
        }

        private static Kind primitive(String name) {
            switch (name) {
                case "null":
                    return Kind.NULL;
                case "boolean":
                    return Kind.BOOLEAN;
                case "int":
                    return Kind.INT;
                case "long":
                    return Kind.LONG;
                case "float":
                    return Kind.FLOAT;
                case "double":
                    return Kind.DOUBLE;
                case "bytes":
                    return Kind.BYTES;
                case "string":
                    return Kind.STRING;
                default:
                    return null;
            }
        }

        private static Type primitive(Kind kind) {
            Type type = new Type(kind);
            type.skeleton = 1;
            return type;
        }

        /** @return the named type, looked up in the enclosing namespace and then without one, as Avro does */
        private Type lookup(String name, String space) {
            if (name.indexOf('.') < 0 && space != null && !space.isEmpty()) {
                Type type = named.get(space + "." + name);
                if (type != null) {
                    return type;
                }
            }
            return named.get(name);
        }

        private Type union(List<?> json, String space, int depth) {
            Type union = new Type(Kind.UNION);
            union.branches = new Type[json.size()];
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < union.branches.length; i++) {
                Type branch = type(json.get(i), space, depth + 1);
                if (branch.kind == Kind.UNION) {
                    throw new IllegalArgumentException("a union may not contain a union");
                }
                boolean named = branch.kind == Kind.RECORD || branch.kind == Kind.ENUM || branch.kind == Kind.FIXED;
                String key = named ? branch.name : branch.kind.name().toLowerCase(Locale.ROOT);
                if (!seen.add(key)) {
                    throw new IllegalArgumentException("a union has two branches of type " + key);
                }
                if (branch.kind == Kind.NULL && union.nullBranch < 0) {
                    union.nullBranch = i;
                }
                union.branches[i] = branch;
                union.skeleton = Math.max(union.skeleton, branch.skeleton);
            }
            return union;
        }

        private Type typeObject(Map<String, Object> json, String space, int depth) {
            Object typeName = json.get("type");
            if (!(typeName instanceof String)) {
                throw new IllegalArgumentException("a type object needs a 'type' that is a string");
            }
            Kind primitive = primitive((String) typeName);
            if (primitive != null) {
                Type type = primitive(primitive);
                logicalType(type, json);
                return type;
            }
            switch ((String) typeName) {
                case "record":
                case "error":
                    return record(json, space, depth);
                case "enum":
                    return enumeration(json, space);
                case "fixed":
                    Type fixed = new Type(Kind.FIXED);
                    define(fixed, json, space);
                    Object size = json.get("size");
                    Integer bytes = smallInt(size);
                    if (bytes == null || bytes < 0) {
                        throw new IllegalArgumentException("fixed " + fixed.name + " needs a 'size' of 0 or more");
                    }
                    fixed.size = bytes;
                    fixed.skeleton = 1;
                    logicalType(fixed, json);
                    return fixed;
                case "array":
                case "map":
                    Type container = new Type("array".equals(typeName) ? Kind.ARRAY : Kind.MAP);
                    String attribute = container.kind == Kind.ARRAY ? "items" : "values";
                    if (!json.containsKey(attribute)) {
                        throw new IllegalArgumentException("an " + typeName + " needs '" + attribute + "'");
                    }
                    container.items = type(json.get(attribute), space, depth + 1);
                    container.skeleton = 1;
                    return container;
                default:
                    Type type = lookup((String) typeName, space);
                    if (type == null) {
                        throw new IllegalArgumentException("unknown type " + quote((String) typeName));
                    }
                    return type;
            }
        }

        /** Names a record, enum or fixed and registers it. @return the namespace its nested types are in */
        private String define(Type type, Map<String, Object> json, String space) {
            String kind = type.kind.name().toLowerCase(Locale.ROOT);
            Object nameValue = json.get("name");
            if (!(nameValue instanceof String)) {
                throw new IllegalArgumentException("a " + kind + " needs a 'name'");
            }
            String name = (String) nameValue;
            String namespace;
            String simple;
            int dot = name.lastIndexOf('.');
            if (dot >= 0) {
                namespace = name.substring(0, dot);
                simple = name.substring(dot + 1);
            } else {
                Object given = json.get("namespace");
                namespace = given instanceof String ? (String) given : space;
                simple = name;
            }
            checkName(simple, kind + " name");
            if (namespace != null && !namespace.isEmpty()) {
                for (String part : namespace.split("\\.", -1)) {
                    checkName(part, "namespace");
                }
            }
            if (primitive(simple) != null) {
                throw new IllegalArgumentException("a " + kind + " may not be named after a primitive type: " + simple);
            }
            String full = namespace == null || namespace.isEmpty() ? simple : namespace + "." + simple;
            if (named.putIfAbsent(full, type) != null) {
                throw new IllegalArgumentException("the name " + full + " is defined twice");
            }
            type.name = full;
            return namespace;
        }

        private static void checkName(String name, String what) {
            boolean valid = !name.isEmpty() && (Character.isLetter(name.charAt(0)) || name.charAt(0) == '_');
            for (int i = 1; valid && i < name.length(); i++) {
                valid = Character.isLetterOrDigit(name.charAt(i)) || name.charAt(i) == '_';
            }
            if (!valid) {
                throw new IllegalArgumentException("invalid " + what + " " + quote(name));
            }
        }

        private Type record(Map<String, Object> json, String space, int depth) {
            Type record = new Type(Kind.RECORD);
            String inner = define(record, json, space);
            Object fieldsValue = json.get("fields");
            if (!(fieldsValue instanceof List)) {
                throw new IllegalArgumentException("record " + record.name + " needs 'fields' as an array");
            }
            List<?> list = (List<?>) fieldsValue;
            Field[] recordFields = new Field[list.size()];
            Map<String, Field> byName = new HashMap<>();
            long skeleton = 1;
            for (int i = 0; i < recordFields.length; i++) {
                if (!(list.get(i) instanceof Map)) {
                    throw new IllegalArgumentException("a field of record " + record.name + " must be an object");
                }
                Map<String, Object> fieldJson = asObject(list.get(i));
                Object nameValue = fieldJson.get("name");
                if (!(nameValue instanceof String)) {
                    throw new IllegalArgumentException("a field of record " + record.name + " needs a 'name'");
                }
                String name = (String) nameValue;
                checkName(name, "field name");
                if (byName.containsKey(name)) {
                    throw new IllegalArgumentException("record " + record.name + " has two fields " + quote(name));
                }
                if (!fieldJson.containsKey("type")) {
                    throw new IllegalArgumentException(
                            "field " + quote(name) + " of record " + record.name + " needs a 'type'");
                }
                Type type = type(fieldJson.get("type"), inner, depth + 1);
                Field field = new Field(record.name, name, type, fieldJson.get("default"));
                recordFields[i] = field;
                byName.put(name, field);
                fields.add(field);
                skeleton += 1 + type.skeleton;
            }
            record.fields = recordFields;
            record.fieldsByName = byName;
            record.skeleton = (int) Math.min(skeleton, MAX_SKELETON);
            return record;
        }

        private Type enumeration(Map<String, Object> json, String space) {
            Type enumeration = new Type(Kind.ENUM);
            define(enumeration, json, space);
            Object symbolsValue = json.get("symbols");
            if (!(symbolsValue instanceof List)) {
                throw new IllegalArgumentException("enum " + enumeration.name + " needs 'symbols' as an array");
            }
            List<?> list = (List<?>) symbolsValue;
            enumeration.symbols = new String[list.size()];
            enumeration.symbolIndex = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String)) {
                    throw new IllegalArgumentException("the symbols of enum " + enumeration.name + " must be strings");
                }
                String symbol = (String) list.get(i);
                checkName(symbol, "symbol");
                if (enumeration.symbolIndex.put(symbol, i) != null) {
                    throw new IllegalArgumentException(
                            "enum " + enumeration.name + " has the symbol " + symbol + " twice");
                }
                enumeration.symbols[i] = symbol;
            }
            enumeration.skeleton = 1;
            return enumeration;
        }

        /** Applies a decimal or uuid logical type; others, and invalid ones, are ignored as Avro ignores them. */
        private static void logicalType(Type type, Map<String, Object> json) {
            Object logicalType = json.get("logicalType");
            if ("uuid".equals(logicalType) && type.kind == Kind.STRING) {
                type.uuid = true;
            } else if ("decimal".equals(logicalType) && (type.kind == Kind.BYTES || type.kind == Kind.FIXED)) {
                Integer precision = smallInt(json.get("precision"));
                Integer scale = json.containsKey("scale") ? smallInt(json.get("scale")) : Integer.valueOf(0);
                if (precision == null || precision <= 0 || scale == null || scale < 0 || scale > precision) {
                    return;
                }
                if (type.kind == Kind.FIXED
                        && precision > Math.round(Math.floor(Math.log10(2) * (8.0 * type.size - 1)))) {
                    return;
                }
                if (precision > MAX_DECIMAL_PRECISION) {
                    throw new IllegalArgumentException(
                            "a decimal of more than " + MAX_DECIMAL_PRECISION + " digits is not supported");
                }
                type.decimal = true;
                type.precision = precision;
                type.scale = scale;
                // digits take log2(10) bits each, plus a sign bit
                type.decimalBytes = (int) Math.ceil((precision * 3.3219280948873626 + 1) / 8) + 1;
            }
        }

        private static Integer smallInt(Object value) {
            if (value instanceof Num
                    && ((Num) value).integral()
                    && ((Num) value).text().length() <= 11) {
                long number = Long.parseLong(((Num) value).text());
                if (number >= Integer.MIN_VALUE && number <= Integer.MAX_VALUE) {
                    return (int) number;
                }
            }
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------- defaults

    /** @return the Avro encoding of a field's default, encoded on first use, or null if it has none */
    private static byte[] defaultOf(Field field, int depth) {
        if (field.defaultAvro != null || field.defaultJson == null) {
            return field.defaultAvro;
        }
        String which = "the default of field " + quote(field.name) + " of record " + field.record;
        if (field.encodingDefault) {
            throw new IllegalArgumentException(which + " needs itself");
        }
        if (depth > MAX_DEFAULT_DEPTH) {
            throw new IllegalArgumentException(which + " is nested too deeply");
        }
        field.encodingDefault = true;
        Out out = new Out(16, Integer.MAX_VALUE - 16);
        try {
            encodeDefault(field.type, field.defaultJson, out, depth + 1);
        } catch (Mismatch e) {
            String where = e.describe();
            throw new IllegalArgumentException(
                    which + " is invalid: " + (where.startsWith("$: ") ? where.substring(3) : where));
        }
        field.encodingDefault = false;
        field.defaultAvro = out.toByteArray();
        return field.defaultAvro;
    }

    /** Encodes a default given in Avro's JSON form: bytes as ISO-8859-1 text, a union's as its first branch's. */
    private static void encodeDefault(Type type, Object value, Out out, int depth) {
        if (depth > MAX_DEFAULT_DEPTH) {
            throw new Mismatch("nested too deeply");
        }
        String expected = "expected " + type.kind.name().toLowerCase(Locale.ROOT) + ", not " + jsonKind(value);
        switch (type.kind) {
            case NULL:
                if (value != JsonNull.NULL) {
                    throw new Mismatch(expected);
                }
                return;
            case BOOLEAN:
                if (!(value instanceof Boolean)) {
                    throw new Mismatch(expected);
                }
                out.write((Boolean) value ? 1 : 0);
                return;
            case INT:
                out.writeLong(integer(type, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
                return;
            case LONG:
                out.writeLong(integer(type, value, Long.MIN_VALUE, Long.MAX_VALUE));
                return;
            case FLOAT:
                out.writeFloat(Float.parseFloat(floatingText(type, value)));
                return;
            case DOUBLE:
                out.writeDouble(Double.parseDouble(floatingText(type, value)));
                return;
            case STRING:
                if (!(value instanceof String)) {
                    throw new Mismatch(expected);
                }
                out.writeString((String) value);
                return;
            case BYTES:
            case FIXED:
                if (!(value instanceof String)) {
                    throw new Mismatch(expected);
                }
                String text = (String) value;
                byte[] bytes = new byte[text.length()];
                for (int i = 0; i < bytes.length; i++) {
                    if (text.charAt(i) > 0xFF) {
                        throw new Mismatch("a character above \\u00ff in bytes");
                    }
                    bytes[i] = (byte) text.charAt(i);
                }
                if (type.kind == Kind.BYTES) {
                    out.writeBytes(bytes);
                } else if (bytes.length != type.size) {
                    throw new Mismatch(
                            "expected " + type.size + " bytes for " + type.describe() + ", not " + bytes.length);
                } else {
                    out.writeRaw(bytes);
                }
                return;
            case ENUM:
                Integer index = value instanceof String ? type.symbolIndex.get(value) : null;
                if (index == null) {
                    throw new Mismatch("expected a symbol of " + type.describe());
                }
                out.writeLong(index);
                return;
            case ARRAY:
                if (!(value instanceof List)) {
                    throw new Mismatch(expected);
                }
                List<?> items = (List<?>) value;
                if (!items.isEmpty()) {
                    out.writeLong(items.size());
                    for (int i = 0; i < items.size(); i++) {
                        try {
                            encodeDefault(type.items, items.get(i), out, depth + 1);
                        } catch (Mismatch e) {
                            throw e.under(i);
                        }
                    }
                }
                out.writeLong(0);
                return;
            case MAP:
                if (!(value instanceof Map)) {
                    throw new Mismatch(expected);
                }
                Map<String, Object> entries = asObject(value);
                if (!entries.isEmpty()) {
                    out.writeLong(entries.size());
                    for (Map.Entry<String, Object> entry : entries.entrySet()) {
                        try {
                            out.writeString(entry.getKey());
                            encodeDefault(type.items, entry.getValue(), out, depth + 1);
                        } catch (Mismatch e) {
                            throw e.under(entry.getKey());
                        }
                    }
                }
                out.writeLong(0);
                return;
            case RECORD:
                if (!(value instanceof Map)) {
                    throw new Mismatch(expected);
                }
                Map<String, Object> object = asObject(value);
                for (Field field : type.fields) {
                    if (object.containsKey(field.name)) {
                        try {
                            encodeDefault(field.type, object.get(field.name), out, depth + 1);
                        } catch (Mismatch e) {
                            throw e.under(field.name);
                        }
                    } else {
                        byte[] fieldDefault = defaultOf(field, depth + 1);
                        if (fieldDefault == null) {
                            throw new Mismatch("field " + quote(field.name) + " is missing and has no default");
                        }
                        out.writeRaw(fieldDefault);
                    }
                }
                return;
            case UNION:
                if (type.branches.length == 0) {
                    throw new Mismatch("an empty union has no values");
                }
                out.writeLong(0);
                encodeDefault(type.branches[0], value, out, depth + 1);
                return;
            default:
                throw new IllegalStateException(type.kind.name());
        }
    }

    // ---------------------------------------------------------------------------------------------- JSON to Avro

    private static long integer(Type type, Object value, long min, long max) {
        if (!(value instanceof Num)) {
            throw new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
        }
        Num number = (Num) value;
        if (!number.integral()) {
            throw new Mismatch("expected " + type.describe() + ", not a number with a fraction or exponent");
        }
        long parsed;
        try {
            parsed = Long.parseLong(number.text());
        } catch (NumberFormatException e) {
            throw new Mismatch(abbreviate(number.text()) + " is out of range for " + type.describe());
        }
        if (parsed < min || parsed > max) {
            throw new Mismatch(abbreviate(number.text()) + " is out of range for " + type.describe());
        }
        return parsed;
    }

    /** @return the text of a float or double: a JSON number's, or NaN, Infinity or -Infinity */
    private static String floatingText(Type type, Object value) {
        if (value instanceof Num) {
            return ((Num) value).text();
        } else if ("NaN".equals(value) || "Infinity".equals(value) || "-Infinity".equals(value)) {
            return (String) value;
        } else if (value instanceof String) {
            throw new Mismatch("expected " + type.describe() + ", not the string " + quote((String) value));
        }
        throw new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
    }

    private static boolean isUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean valid = i == 8 || i == 13 || i == 18 || i == 23
                    ? c == '-'
                    : c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            if (!valid) {
                return false;
            }
        }
        return true;
    }

    /** @return a decimal's unscaled value at the schema's scale, from a JSON number or numeric string */
    private static BigInteger unscaled(Type type, Object value) {
        String text;
        if (value instanceof Num) {
            text = ((Num) value).text();
        } else if (value instanceof String) {
            text = (String) value;
            boolean numeric = !text.isEmpty() && text.length() <= 2 * type.precision + 32;
            for (int i = 0; numeric && i < text.length(); i++) {
                numeric = "0123456789+-.eE".indexOf(text.charAt(i)) >= 0;
            }
            if (!numeric) {
                throw new Mismatch("expected " + type.describe() + ", not the string " + quote(text));
            }
        } else {
            throw new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
        }
        BigDecimal number;
        try {
            number = new BigDecimal(text);
            if (number.signum() == 0) {
                return BigInteger.ZERO;
            }
            number = number.stripTrailingZeros();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Mismatch("expected " + type.describe() + ", not " + quote(text));
        }
        if (number.scale() > type.scale) {
            throw new Mismatch(abbreviate(text) + " has too many decimal places for " + type.describe());
        }
        if ((long) number.precision() - number.scale() > type.precision - type.scale) {
            throw new Mismatch(abbreviate(text) + " has too many digits for " + type.describe());
        }
        return number.setScale(type.scale).unscaledValue();
    }

    private static byte[] base64(Type type, Object value) {
        if (!(value instanceof String)) {
            throw new Mismatch("expected " + type.describe() + " as base64, not " + jsonKind(value));
        }
        String text = (String) value;
        byte[] bytes = null;
        if (text.length() % 4 == 0) {
            try {
                bytes = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // not base64
            }
        }
        if (bytes == null) {
            throw new Mismatch("expected " + type.describe() + " as base64, not a string that is not base64");
        }
        return bytes;
    }

    /** Two's-complement big-endian bytes of exactly {@code size}, sign-extended. */
    private static byte[] fixedBytes(BigInteger unscaled, int size) {
        byte[] minimal = unscaled.toByteArray();
        if (minimal.length > size) {
            throw new Mismatch("the decimal does not fit " + size + " bytes");
        }
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, 0, size - minimal.length, (byte) (unscaled.signum() < 0 ? 0xFF : 0));
        System.arraycopy(minimal, 0, bytes, size - minimal.length, minimal.length);
        return bytes;
    }

    /** One mapping of a JSON value: remembers which containers fit which union branches, so no work repeats. */
    private static final class Encoder {
        private final Out sink = Out.sink();
        private Map<Trial, Boolean> fitting;
        /** How many union branches are being tried, whose mismatches need no explanation. */
        private int trials;

        void write(Object value, Type type, Out out) {
            switch (type.kind) {
                case NULL:
                    if (value != JsonNull.NULL) {
                        throw expected(type, value);
                    }
                    return;
                case BOOLEAN:
                    if (!(value instanceof Boolean)) {
                        throw expected(type, value);
                    }
                    out.write((Boolean) value ? 1 : 0);
                    return;
                case INT:
                    out.writeLong(integer(type, value, Integer.MIN_VALUE, Integer.MAX_VALUE));
                    return;
                case LONG:
                    out.writeLong(integer(type, value, Long.MIN_VALUE, Long.MAX_VALUE));
                    return;
                case FLOAT:
                    out.writeFloat(Float.parseFloat(floatingText(type, value)));
                    return;
                case DOUBLE:
                    out.writeDouble(Double.parseDouble(floatingText(type, value)));
                    return;
                case STRING:
                    if (!(value instanceof String)) {
                        throw expected(type, value);
                    }
                    if (type.uuid && !isUuid((String) value)) {
                        throw new Mismatch("expected a uuid (8-4-4-4-12 hex digits), not " + quote((String) value));
                    }
                    out.writeString((String) value);
                    return;
                case BYTES:
                    out.writeBytes(type.decimal ? unscaled(type, value).toByteArray() : base64(type, value));
                    return;
                case FIXED:
                    byte[] fixed;
                    if (type.decimal) {
                        fixed = fixedBytes(unscaled(type, value), type.size);
                    } else {
                        fixed = base64(type, value);
                        if (fixed.length != type.size) {
                            throw new Mismatch("expected " + type.size + " bytes for " + type.describe() + ", not "
                                    + fixed.length);
                        }
                    }
                    out.writeRaw(fixed);
                    return;
                case ENUM:
                    if (!(value instanceof String)) {
                        throw expected(type, value);
                    }
                    Integer index = type.symbolIndex.get(value);
                    if (index == null) {
                        throw new Mismatch(quote((String) value) + " is not a symbol of " + type.describe());
                    }
                    out.writeLong(index);
                    return;
                case ARRAY:
                    array(value, type, out);
                    return;
                case MAP:
                    map(value, type, out);
                    return;
                case RECORD:
                    record(value, type, out);
                    return;
                case UNION:
                    union(value, type, out);
                    return;
                default:
                    throw new IllegalStateException(type.kind.name());
            }
        }

        private void array(Object value, Type type, Out out) {
            if (!(value instanceof List)) {
                throw expected(type, value);
            }
            List<?> items = (List<?>) value;
            if (!items.isEmpty()) {
                out.writeLong(items.size());
                for (int i = 0; i < items.size(); i++) {
                    try {
                        write(items.get(i), type.items, out);
                    } catch (Mismatch e) {
                        throw e.under(i);
                    }
                }
            }
            out.writeLong(0);
        }

        private void map(Object value, Type type, Out out) {
            if (!(value instanceof Map)) {
                throw expected(type, value);
            }
            Map<String, Object> entries = asObject(value);
            if (!entries.isEmpty()) {
                out.writeLong(entries.size());
                for (Map.Entry<String, Object> entry : entries.entrySet()) {
                    try {
                        out.writeString(entry.getKey());
                        write(entry.getValue(), type.items, out);
                    } catch (Mismatch e) {
                        throw e.under(entry.getKey());
                    }
                }
            }
            out.writeLong(0);
        }

        private void record(Object value, Type type, Out out) {
            if (!(value instanceof Map)) {
                throw expected(type, value);
            }
            Map<String, Object> object = asObject(value);
            for (String key : object.keySet()) {
                if (!type.fieldsByName.containsKey(key)) {
                    throw new Mismatch("field " + quote(key) + " is not in the schema");
                }
            }
            for (Field field : type.fields) {
                Object fieldValue = object.get(field.name);
                if (fieldValue != null) {
                    try {
                        write(fieldValue, field.type, out);
                    } catch (Mismatch e) {
                        throw e.under(field.name);
                    }
                } else if (field.defaultAvro != null) {
                    out.writeRaw(field.defaultAvro);
                } else if (field.type.nullBranch >= 0) {
                    out.writeLong(field.type.nullBranch);
                } else if (field.type.kind == Kind.NULL) {
                    // absent, and null is the only value it can have: null, which is written as nothing
                } else {
                    throw new Mismatch("field " + quote(field.name) + " is required");
                }
            }
        }

        private void union(Object value, Type type, Out out) {
            for (int i = 0; i < type.branches.length; i++) {
                Type branch = type.branches[i];
                if (branch.accepts(value) && fits(value, branch)) {
                    if (!out.isSink()) {
                        out.writeLong(i);
                        write(value, branch, out);
                    }
                    return;
                }
            }
            if (trials > 0) {
                throw new Mismatch("no branch fits");
            }
            // explain with the only branch of the value's kind, if there is one
            Type only = null;
            int candidates = 0;
            for (Type branch : type.branches) {
                if (branch.accepts(value)) {
                    only = branch;
                    candidates++;
                }
            }
            if (candidates == 1) {
                write(value, only, sink); // throws the branch's own explanation
            }
            throw expected(type, value);
        }

        /** @return whether a value fits a union's branch; known for containers once tried */
        private boolean fits(Object value, Type branch) {
            Trial trial = value instanceof Map || value instanceof List ? new Trial(value, branch) : null;
            if (trial != null && fitting != null) {
                Boolean known = fitting.get(trial);
                if (known != null) {
                    return known;
                }
            }
            boolean fits;
            trials++;
            try {
                write(value, branch, sink);
                fits = true;
            } catch (Mismatch e) {
                fits = false;
            } finally {
                trials--;
            }
            if (trial != null) {
                if (fitting == null) {
                    fitting = new HashMap<>();
                }
                fitting.put(trial, fits);
            }
            return fits;
        }

        private Mismatch expected(Type type, Object value) {
            if (trials > 0) {
                return new Mismatch("mismatch");
            }
            return new Mismatch("expected " + type.describe() + ", not " + jsonKind(value));
        }
    }

    /** A JSON container, by identity, tried against a union branch. */
    private static final class Trial {
        private final Object value;
        private final Type type;

        Trial(Object value, Type type) {
            this.value = value;
            this.type = type;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Trial && ((Trial) other).value == value && ((Trial) other).type == type;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(value) * 31 + System.identityHashCode(type);
        }
    }

    /** Avro binary output, bounded; a sink only checks. */
    private static final class Out {
        private final long limit;
        private byte[] bytes;
        private int size;

        Out(int capacity, long limit) {
            this.bytes = new byte[capacity];
            this.limit = limit;
        }

        private Out() {
            this.bytes = null;
            this.limit = 0;
        }

        static Out sink() {
            return new Out();
        }

        boolean isSink() {
            return bytes == null;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }

        private void ensure(int more) {
            if (size + (long) more > limit) {
                throw new Mismatch("the value's Avro encoding would be longer than " + limit + " bytes");
            }
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.min(limit, Math.max(size + more, 2L * bytes.length)));
            }
        }

        void write(int b) {
            if (bytes != null) {
                ensure(1);
                bytes[size++] = (byte) b;
            }
        }

        /** Zig-zag varint, as Avro writes int and long. */
        void writeLong(long value) {
            if (bytes == null) {
                return;
            }
            ensure(10);
            long n = (value << 1) ^ (value >> 63);
            while ((n & ~0x7FL) != 0) {
                bytes[size++] = (byte) ((n & 0x7F) | 0x80);
                n >>>= 7;
            }
            bytes[size++] = (byte) n;
        }

        void writeFloat(float value) {
            if (bytes != null) {
                ensure(4);
                int bits = Float.floatToRawIntBits(value);
                for (int i = 0; i < 4; i++) {
                    bytes[size++] = (byte) (bits >>> (8 * i));
                }
            }
        }

        void writeDouble(double value) {
            if (bytes != null) {
                ensure(8);
                long bits = Double.doubleToRawLongBits(value);
                for (int i = 0; i < 8; i++) {
                    bytes[size++] = (byte) (bits >>> (8 * i));
                }
            }
        }

        void writeRaw(byte[] raw) {
            if (bytes != null) {
                ensure(raw.length);
                System.arraycopy(raw, 0, bytes, size, raw.length);
                size += raw.length;
            }
        }

        void writeBytes(byte[] raw) {
            writeLong(raw.length);
            writeRaw(raw);
        }

        /** Length-prefixed UTF-8; a string with an unpaired surrogate has none, and is refused. */
        void writeString(String text) {
            long length = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    length++;
                } else if (c < 0x800) {
                    length += 2;
                } else if (!Character.isSurrogate(c)) {
                    length += 3;
                } else if (Character.isHighSurrogate(c)
                        && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    length += 4;
                    i++;
                } else {
                    throw new Mismatch("the string has an unpaired surrogate, which UTF-8 cannot encode");
                }
            }
            if (bytes == null) {
                return;
            }
            if (length > Integer.MAX_VALUE - 16) {
                ensure(Integer.MAX_VALUE);
            }
            writeLong(length);
            ensure((int) length);
            for (int i = 0; i < text.length(); i++) {
                int c = text.charAt(i);
                if (c < 0x80) {
                    bytes[size++] = (byte) c;
                } else if (c < 0x800) {
                    bytes[size++] = (byte) (0xC0 | c >> 6);
                    bytes[size++] = (byte) (0x80 | c & 0x3F);
                } else if (!Character.isSurrogate((char) c)) {
                    bytes[size++] = (byte) (0xE0 | c >> 12);
                    bytes[size++] = (byte) (0x80 | c >> 6 & 0x3F);
                    bytes[size++] = (byte) (0x80 | c & 0x3F);
                } else {
                    int cp = Character.toCodePoint((char) c, text.charAt(++i));
                    bytes[size++] = (byte) (0xF0 | cp >> 18);
                    bytes[size++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    bytes[size++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    bytes[size++] = (byte) (0x80 | cp & 0x3F);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- Avro to JSON

    /** Bad Avro data; cheap, without a stack trace. */
    private static final class Bad extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Bad() {
            super(null, null, false, false);
        }
    }

    /** Reads one value's Avro binary encoding and writes its JSON, within a token budget. */
    private static final class Decoder {
        private final byte[] in;
        private final JsonGenerator out;
        private final long budget;
        private long tokens;
        int position;

        Decoder(byte[] in, JsonGenerator out, long budget) {
            this.in = in;
            this.out = out;
            this.budget = budget;
        }

        void value(Type type, int depth) throws IOException {
            if (type.kind == Kind.UNION) {
                int branch = readInt();
                if (branch < 0 || branch >= type.branches.length) {
                    throw new Bad();
                }
                value(type.branches[branch], depth);
                return;
            }
            token();
            switch (type.kind) {
                case NULL:
                    out.writeNull();
                    return;
                case BOOLEAN:
                    int b = readByte();
                    if (b > 1) {
                        throw new Bad();
                    }
                    out.writeBoolean(b == 1);
                    return;
                case INT:
                    out.writeNumber(readInt());
                    return;
                case LONG:
                    out.writeNumber(readLong());
                    return;
                case FLOAT:
                    float f = Float.intBitsToFloat((int) readLittleEndian(4));
                    if (Float.isFinite(f)) {
                        out.writeNumber(f);
                    } else {
                        out.writeString(Float.isNaN(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity");
                    }
                    return;
                case DOUBLE:
                    double d = Double.longBitsToDouble(readLittleEndian(8));
                    if (Double.isFinite(d)) {
                        out.writeNumber(d);
                    } else {
                        out.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                    }
                    return;
                case STRING:
                    int length = readLength();
                    if (!isUtf8(in, position, position + length)) {
                        throw new Bad();
                    }
                    out.writeUTF8String(in, position, length);
                    position += length;
                    return;
                case BYTES:
                    bytes(type, readLength());
                    return;
                case FIXED:
                    if (in.length - position < type.size) {
                        throw new Bad();
                    }
                    bytes(type, type.size);
                    return;
                case ENUM:
                    int symbol = readInt();
                    if (symbol < 0 || symbol >= type.symbols.length) {
                        throw new Bad();
                    }
                    out.writeString(type.symbols[symbol]);
                    return;
                case ARRAY:
                    nest(depth);
                    out.writeStartArray();
                    for (long count = blockCount(); count != 0; count = blockCount()) {
                        for (long i = 0; i < count; i++) {
                            value(type.items, depth + 1);
                        }
                    }
                    out.writeEndArray();
                    return;
                case MAP:
                    map(type, depth);
                    return;
                case RECORD:
                    nest(depth);
                    out.writeStartObject();
                    for (Field field : type.fields) {
                        token();
                        out.writeFieldName(field.name);
                        value(field.type, depth + 1);
                    }
                    out.writeEndObject();
                    return;
                default:
                    throw new IllegalStateException(type.kind.name());
            }
        }

        private void map(Type type, int depth) throws IOException {
            nest(depth);
            out.writeStartObject();
            Set<String> keys = null;
            for (long count = blockCount(); count != 0; count = blockCount()) {
                for (long i = 0; i < count; i++) {
                    int length = readLength();
                    if (!isUtf8(in, position, position + length)) {
                        throw new Bad();
                    }
                    String key = new String(in, position, length, StandardCharsets.UTF_8);
                    position += length;
                    if (keys == null) {
                        keys = new HashSet<>();
                    }
                    if (!keys.add(key)) {
                        throw new Bad();
                    }
                    token();
                    out.writeFieldName(key);
                    value(type.items, depth + 1);
                }
            }
            out.writeEndObject();
        }

        private void bytes(Type type, int length) throws IOException {
            if (type.decimal) {
                int start = position;
                int end = position + length;
                // leading bytes that only extend the sign are not digits
                while (end - start > 1
                        && (in[start] == 0 && in[start + 1] >= 0 || in[start] == -1 && in[start + 1] < 0)) {
                    start++;
                }
                if (length == 0 || end - start > type.decimalBytes) {
                    throw new Bad();
                }
                BigDecimal number = new BigDecimal(new BigInteger(in, start, end - start), type.scale);
                if (number.precision() > type.precision) {
                    throw new Bad();
                }
                out.writeNumber(number.toPlainString());
            } else {
                out.writeBinary(in, position, length);
            }
            position += length;
        }

        private void nest(int depth) {
            if (depth >= MAX_DEPTH) {
                throw new Bad();
            }
        }

        private void token() {
            if (++tokens > budget) {
                throw new Bad();
            }
        }

        /** @return the item count of the next block; a negative count is followed by the block's size */
        private long blockCount() {
            long count = readLong();
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw new Bad();
                }
                readLong();
                count = -count;
            }
            return count;
        }

        private int readByte() {
            if (position >= in.length) {
                throw new Bad();
            }
            return in[position++] & 0xFF;
        }

        private long readLittleEndian(int length) {
            if (in.length - position < length) {
                throw new Bad();
            }
            long bits = 0;
            for (int i = 0; i < length; i++) {
                bits |= (long) (in[position++] & 0xFF) << (8 * i);
            }
            return bits;
        }

        /** @return a zig-zag varint of at most 10 bytes, with no bits beyond 64 */
        private long readLong() {
            long raw = 0;
            for (int i = 0; i < 10; i++) {
                int b = readByte();
                if (i == 9 && b > 1) {
                    throw new Bad();
                }
                raw |= (long) (b & 0x7F) << (7 * i);
                if (b < 0x80) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new Bad();
        }

        /** @return a zig-zag varint of at most 5 bytes, with no bits beyond 32 */
        private int readInt() {
            long raw = 0;
            for (int i = 0; i < 5; i++) {
                int b = readByte();
                if (i == 4 && b > 0x0F) {
                    throw new Bad();
                }
                raw |= (long) (b & 0x7F) << (7 * i);
                if (b < 0x80) {
                    return (int) (raw >>> 1) ^ -(int) (raw & 1);
                }
            }
            throw new Bad();
        }

        /** @return a length that the bytes left can hold */
        private int readLength() {
            long length = readLong();
            if (length < 0 || length > in.length - position) {
                throw new Bad();
            }
            return (int) length;
        }
    }

    /** @return whether the bytes are well-formed UTF-8: shortest forms, no surrogates, nothing above U+10FFFF */
    private static boolean isUtf8(byte[] bytes, int start, int end) {
        int i = start;
        while (i < end) {
            int c = bytes[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int continuations;
            int min = 0x80;
            int max = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                continuations = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                continuations = 2;
                min = c == 0xE0 ? 0xA0 : 0x80;
                max = c == 0xED ? 0x9F : 0xBF;
            } else if (c >= 0xF0 && c <= 0xF4) {
                continuations = 3;
                min = c == 0xF0 ? 0x90 : 0x80;
                max = c == 0xF4 ? 0x8F : 0xBF;
            } else {
                return false;
            }
            if (end - i <= continuations) {
                return false;
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= continuations; k++) {
                if ((bytes[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += continuations + 1;
        }
        return true;
    }
}
