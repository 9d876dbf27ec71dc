package org.infer4j.engine.tensor;

/**
 * One worker's reusable buffers for {@link WeightMatrix#multiply}: floats for every kernel that needs them, ints for
 * the int16 tiles of {@link Int16Gemm}. Sized by whoever owns the worker ({@link MatMul}) before a call; kernels
 * check and never allocate.
 */
public final class Scratch {
    private float[] floats;
    private int[] ints;

    public Scratch(int floats, int ints) {
        this.floats = new float[floats];
        this.ints = new int[ints];
    }

    /** Grows the buffers (never shrinks them) to at least these sizes. */
    public void ensure(int floats, int ints) {
        if (this.floats.length < floats) {
            this.floats = new float[floats];
        }
        if (this.ints.length < ints) {
            this.ints = new int[ints];
        }
    }

    float[] floats() {
        return floats;
    }

    int[] ints() {
        return ints;
    }
}
