package org.infer4j.engine.tensor;

/** Cache blocking shared by the batched kernels. */
final class MatrixTiling {
    /** Bytes of weights a row group may span: it stays in the L1 data cache while every token tile passes over it. */
    private static final long ROW_GROUP_BYTES = 16 * 1024;

    private MatrixTiling() {}

    /** Rows per group for rows of {@code rowBytes} bytes (at least one). */
    static int rowGroup(long rowBytes) {
        return (int) Math.max(1, ROW_GROUP_BYTES / rowBytes);
    }
}
