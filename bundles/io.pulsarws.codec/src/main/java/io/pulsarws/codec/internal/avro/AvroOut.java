package io.pulsarws.codec.internal.avro;

import java.util.Arrays;

/** Avro binary output, bounded in bytes; a sink writes nothing and only checks. */
final class AvroOut {
    private final long limit;
    private byte[] bytes;
    private int size;

    AvroOut(int capacity, long limit) {
        this.bytes = new byte[capacity];
        this.limit = limit;
    }

    private AvroOut() {
        this.bytes = null;
        this.limit = 0;
    }

    static AvroOut sink() {
        return new AvroOut();
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
