package org.infer4j.engine.convert;

import org.infer4j.gguf.GgmlType;

/**
 * Element type of the converted matrices. One-dimensional tensors, norms and biases are always F32, as
 * llama.cpp's converter writes them. {@link #SOURCE} keeps each matrix in its checkpoint precision
 * (F32, F16 or BF16), so conversion loses nothing.
 */
public enum OutputType {
    SOURCE, F32, F16, BF16;

    /** The type a matrix stored as {@code source} is written as. */
    GgmlType matrixType(SafetensorsDType source) {
        return switch (this) {
            case SOURCE -> switch (source) {
                case F32 -> GgmlType.F32;
                case F16 -> GgmlType.F16;
                case BF16 -> GgmlType.BF16;
            };
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
        };
    }

    /** {@code general.file_type} (llama_ftype) for a file whose matrices are {@code matrixType}. */
    static long fileType(GgmlType matrixType) {
        return switch (matrixType) {
            case F32 -> 0; // ALL_F32
            case F16 -> 1; // MOSTLY_F16
            case BF16 -> 32; // MOSTLY_BF16
            default -> throw new IllegalArgumentException("the converter does not write " + matrixType);
        };
    }
}
