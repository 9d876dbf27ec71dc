package org.infer4j.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * A metadata array. Elements are kept in one primitive Java array per kind so that a 150k-entry
 * vocabulary costs what it weighs: every integer type in a {@code long[]} (unsigned types widened),
 * FLOAT32 in a {@code float[]}, FLOAT64 in a {@code double[]}, BOOL in a {@code boolean[]},
 * STRING in a {@code String[]} and nested arrays in a {@code GgufArray[]}.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    public GgufArray {
        Objects.requireNonNull(elementType);
        Class<?> expected = switch (elementType) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
        if (!expected.isInstance(values)) {
            throw new IllegalArgumentException(elementType + " array needs a " + expected.getSimpleName());
        }
    }

    public static GgufArray ofStrings(String... values) {
        return new GgufArray(GgufValueType.STRING, values);
    }

    public static GgufArray ofFloats(float... values) {
        return new GgufArray(GgufValueType.FLOAT32, values);
    }

    public static GgufArray ofInts(GgufValueType type, long... values) {
        return new GgufArray(type, values);
    }

    public int size() {
        return java.lang.reflect.Array.getLength(values);
    }

    public String[] strings() {
        return as(String[].class);
    }

    public float[] floats() {
        if (elementType == GgufValueType.FLOAT64) {
            double[] d = (double[]) values;
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        return as(float[].class);
    }

    public long[] longs() {
        return as(long[].class);
    }

    /** Integer elements narrowed to int; fails on a value that does not fit. */
    public int[] ints() {
        long[] l = longs();
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            r[i] = Math.toIntExact(l[i]);
        }
        return r;
    }

    public boolean[] booleans() {
        return as(boolean[].class);
    }

    public GgufArray[] arrays() {
        return as(GgufArray[].class);
    }

    private <T> T as(Class<T> kind) {
        if (!kind.isInstance(values)) {
            throw new GgufFormatException("expected an array of " + kind.getComponentType().getSimpleName()
                    + " but found an array of " + elementType);
        }
        return kind.cast(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray(GgufValueType t, Object v) && t == elementType
                && Arrays.deepEquals(new Object[] {values}, new Object[] {v});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        String all = Arrays.deepToString(new Object[] {values});
        String inner = all.substring(1, all.length() - 1);
        return elementType + (inner.length() > 200 ? inner.substring(0, 200) + "...]" : inner);
    }
}
