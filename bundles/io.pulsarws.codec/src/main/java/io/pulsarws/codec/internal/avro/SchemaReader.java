package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.JsonTree.asObject;
import static io.pulsarws.codec.internal.avro.JsonTree.jsonKind;
import static io.pulsarws.codec.internal.avro.Limits.MAX_DECIMAL_PRECISION;
import static io.pulsarws.codec.internal.avro.Limits.MAX_DEPTH;
import static io.pulsarws.codec.internal.avro.Limits.MAX_SKELETON;
import static io.pulsarws.codec.internal.avro.Mismatch.quote;

import io.pulsarws.codec.internal.avro.JsonTree.Num;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads a definition's tree into types, resolving names as Avro does. */
final class SchemaReader {
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
                throw new IllegalArgumentException("enum " + enumeration.name + " has the symbol " + symbol + " twice");
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
            if (type.kind == Kind.FIXED && precision > Math.round(Math.floor(Math.log10(2) * (8.0 * type.size - 1)))) {
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
