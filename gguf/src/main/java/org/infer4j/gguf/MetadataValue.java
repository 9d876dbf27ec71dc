package org.infer4j.gguf;

import java.util.Objects;

/**
 * One typed metadata value. Integers of every width are held as {@link Long} (unsigned ones widened,
 * UINT64 keeps its bits), FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as {@link Boolean},
 * STRING as {@link String}, ARRAY as {@link GgufArray}. The type is kept so a file can be written back as read.
 */
public record MetadataValue(GgufValueType type, Object value) {

    public MetadataValue {
        Objects.requireNonNull(type);
        Class<?> expected = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> GgufArray.class;
        };
        if (!expected.isInstance(value)) {
            throw new IllegalArgumentException(type + " value needs a " + expected.getSimpleName());
        }
    }

    public static MetadataValue ofString(String s) {
        return new MetadataValue(GgufValueType.STRING, s);
    }

    public static MetadataValue ofUint32(long v) {
        return new MetadataValue(GgufValueType.UINT32, v);
    }

    public static MetadataValue ofInt32(long v) {
        return new MetadataValue(GgufValueType.INT32, v);
    }

    public static MetadataValue ofFloat32(float v) {
        return new MetadataValue(GgufValueType.FLOAT32, v);
    }

    public static MetadataValue ofBool(boolean v) {
        return new MetadataValue(GgufValueType.BOOL, v);
    }

    public static MetadataValue ofArray(GgufArray a) {
        return new MetadataValue(GgufValueType.ARRAY, a);
    }

    @Override
    public String toString() {
        return type + ":" + value;
    }
}
