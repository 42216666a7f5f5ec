package io.pulsarws.codec.internal.avro;

import io.pulsarws.codec.internal.avro.JsonTree.JsonNull;
import io.pulsarws.codec.internal.avro.JsonTree.Num;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A type of the schema; filled in while parsing, never changed afterwards. */
final class Type {
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
