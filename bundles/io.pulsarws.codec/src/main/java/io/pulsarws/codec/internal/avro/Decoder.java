package io.pulsarws.codec.internal.avro;

import static io.pulsarws.codec.internal.avro.Limits.MAX_DEPTH;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/** Reads one value's Avro binary encoding and writes its JSON, within a token budget. */
final class Decoder {
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
                throw new BadAvro();
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
                    throw new BadAvro();
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
                    throw new BadAvro();
                }
                out.writeUTF8String(in, position, length);
                position += length;
                return;
            case BYTES:
                bytes(type, readLength());
                return;
            case FIXED:
                if (in.length - position < type.size) {
                    throw new BadAvro();
                }
                bytes(type, type.size);
                return;
            case ENUM:
                int symbol = readInt();
                if (symbol < 0 || symbol >= type.symbols.length) {
                    throw new BadAvro();
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
                    throw new BadAvro();
                }
                String key = new String(in, position, length, StandardCharsets.UTF_8);
                position += length;
                if (keys == null) {
                    keys = new HashSet<>();
                }
                if (!keys.add(key)) {
                    throw new BadAvro();
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
            while (end - start > 1 && (in[start] == 0 && in[start + 1] >= 0 || in[start] == -1 && in[start + 1] < 0)) {
                start++;
            }
            if (length == 0 || end - start > type.decimalBytes) {
                throw new BadAvro();
            }
            BigDecimal number = new BigDecimal(new BigInteger(in, start, end - start), type.scale);
            if (number.precision() > type.precision) {
                throw new BadAvro();
            }
            out.writeNumber(number.toPlainString());
        } else {
            out.writeBinary(in, position, length);
        }
        position += length;
    }

    private void nest(int depth) {
        if (depth >= MAX_DEPTH) {
            throw new BadAvro();
        }
    }

    private void token() {
        if (++tokens > budget) {
            throw new BadAvro();
        }
    }

    /** @return the item count of the next block; a negative count is followed by the block's size */
    private long blockCount() {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new BadAvro();
            }
            readLong();
            count = -count;
        }
        return count;
    }

    private int readByte() {
        if (position >= in.length) {
            throw new BadAvro();
        }
        return in[position++] & 0xFF;
    }

    private long readLittleEndian(int length) {
        if (in.length - position < length) {
            throw new BadAvro();
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
                throw new BadAvro();
            }
            raw |= (long) (b & 0x7F) << (7 * i);
            if (b < 0x80) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new BadAvro();
    }

    /** @return a zig-zag varint of at most 5 bytes, with no bits beyond 32 */
    private int readInt() {
        long raw = 0;
        for (int i = 0; i < 5; i++) {
            int b = readByte();
            if (i == 4 && b > 0x0F) {
                throw new BadAvro();
            }
            raw |= (long) (b & 0x7F) << (7 * i);
            if (b < 0x80) {
                return (int) (raw >>> 1) ^ -(int) (raw & 1);
            }
        }
        throw new BadAvro();
    }

    /** @return a length that the bytes left can hold */
    private int readLength() {
        long length = readLong();
        if (length < 0 || length > in.length - position) {
            throw new BadAvro();
        }
        return (int) length;
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
