package org.infer4j.gguf;

import java.util.Arrays;

/**
 * A tensor's entry in the file header. {@code shape} is in ggml order: {@code shape[0]} is the
 * contiguous dimension (a matrix of {@code rows x cols} has shape {@code [cols, rows]}).
 * {@code offset} is relative to the start of the tensor data section.
 */
public record TensorInfo(String name, long[] shape, GgmlType type, long offset) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dimensions() {
        return shape.length;
    }

    /** Size of dimension {@code i}, 1 beyond the stored dimensions as ggml treats them. */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && Arrays.equals(t.shape, shape)
                && t.type == type && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }
}
