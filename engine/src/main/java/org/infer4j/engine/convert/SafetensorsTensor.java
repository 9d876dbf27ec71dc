package org.infer4j.engine.convert;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: {@code shape} in PyTorch order (last dimension contiguous, the reverse
 * of ggml's), {@code data} a read-only slice of the mapped file. The dtype is kept as the header wrote it so a
 * tensor the converter skips may have any type; {@link #dtype()} refuses the ones it cannot convert.
 */
public record SafetensorsTensor(String name, String dtypeName, long[] shape, MemorySegment data) {

    public SafetensorsTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public SafetensorsDType dtype() {
        return SafetensorsDType.of(dtypeName, name);
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Rows of the tensor seen as a matrix (all dimensions but the last); 1 for a vector. */
    public long rows() {
        return shape.length <= 1 ? 1 : elementCount() / shape[shape.length - 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && t.name.equals(name) && t.dtypeName.equals(dtypeName)
                && Arrays.equals(t.shape, shape) && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + " " + dtypeName + " " + Arrays.toString(shape);
    }
}
