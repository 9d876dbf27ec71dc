package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import org.infer4j.gguf.GgmlType;

/**
 * A 2-D weight matrix of {@code rows x cols}, kept as a zero-copy slice of the mapped model file. One
 * implementation per storage type; the type is chosen once at load and each implementation runs its own
 * kernel over a range of rows, so there is no type dispatch inside a loop.
 * <p>
 * Adding a type means adding one class here and one case to {@link #of}.
 */
public sealed interface WeightMatrix permits F32Matrix, F16Matrix, BF16Matrix, Q4_1Matrix, Q5_0Matrix, Q5_1Matrix,
        Q2_KMatrix, Q3_KMatrix, Q5_KMatrix, RelaidMatrix, Int16Tiles {

    String name();

    GgmlType type();

    /** The tensor's bytes in the mapped file, rows one after another. */
    MemorySegment data();

    int rows();

    int cols();

    /** The input form this type's kernel reads; callers {@link Activations#prepare} it before {@link #multiply}. */
    InputFormat inputFormat();

    /**
     * For every row {@code r} in {@code [rowFrom, rowTo)} and every token {@code t} of {@code x}:
     * {@code out[outOffset + t * outStride + r] = dot(row r, x_t)}. Each row is read once for the whole batch.
     * {@code scratch} is the worker's buffers: at least {@link #scratchFloats()} floats, and for a batch what
     * {@link MatMul} sizes them to ({@link MatMul#scratchFor}).
     */
    void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, Scratch scratch);

    /**
     * Whether {@link #multiply} hands a batch to {@link TileGemm} (tiles dequantized to floats), which can also write
     * the products in columns ({@link MatMul#multiplyColumns}).
     */
    default boolean batchesInFloatTiles() {
        return false;
    }

    /** Floats of scratch {@link #multiply} needs per worker. */
    default int scratchFloats() {
        return cols();
    }

    /**
     * Writes rows {@code [rowFrom, rowTo)} × columns {@code [colFrom, colTo)} as floats into
     * {@code dst[(r - rowFrom)·dstStride + c - colFrom]}: the values {@link #dequantizeRow} gives, the weights the
     * integer kernels imply (block scale × quant). Column bounds are multiples of the type's block size. The batched
     * kernel ({@link TileGemm}) multiplies such tiles with many tokens at once.
     */
    void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride);

    /** Writes row {@code row} as floats into {@code dst[offset ..]} (embedding lookups, tests). */
    void dequantizeRow(int row, float[] dst, int offset);

    /**
     * Rows from the start that the kernels read from a copy re-laid at load ({@link RowGroups}), not from the file (0
     * if none): the batched kernels must not touch their bytes in the mapping ({@link TileGemm#touchNext}), which were
     * unloaded.
     */
    default int relaidRows() {
        return 0;
    }

    /**
     * {@link RowGroups#touch} on the re-laid copy for rows {@code [rowFrom, rowTo)} (below {@link #relaidRows}), part
     * {@code part} of {@code parts}; 0 where there is no copy.
     */
    default int touchRelaid(int rowFrom, int rowTo, int colFrom, int colTo, int part, int parts) {
        return 0;
    }

    /**
     * This matrix with its whole groups of rows re-laid from {@code copies} ({@link RowGroups}) where its load left
     * them to the file's kernels ({@link RelaidCopies#reusedOnly}); itself where there is nothing to re-lay.
     */
    default WeightMatrix relaid(RelaidCopies copies) {
        return this;
    }

    /**
     * Drops from this process's memory the file's pages of the rows read from a re-laid copy: no kernel of this matrix
     * reads them, though the kernels of the matrix it replaced ({@link #relaid}) may have faulted them in again.
     */
    default void unloadRelaidRows() {}

    /** Wraps {@code data} (the tensor's bytes) as a matrix, or fails naming the tensor if its type is not supported. */
    static WeightMatrix of(String name, GgmlType type, MemorySegment data, int rows, int cols) {
        return of(name, type, data, rows, cols, RelaidCopies.IN_MEMORY);
    }

    /** As {@link #of(String, GgmlType, MemorySegment, int, int)}, any re-laid copy of the rows from {@code copies}. */
    static WeightMatrix of(String name, GgmlType type, MemorySegment data, int rows, int cols, RelaidCopies copies) {
        if (cols % type.blockSize() != 0) {
            throw new UnsupportedTensorTypeException(name, type, "needs rows of whole blocks of " + type.blockSize()
                    + " but the tensor has " + cols + " columns");
        }
        long expected = type.byteSize((long) rows * cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes for " + rows + "x" + cols
                    + " " + type + ", expected " + expected);
        }
        return switch (type) {
            case F32 -> new F32Matrix(name, data, rows, cols);
            case F16 -> new F16Matrix(name, data, rows, cols);
            case BF16 -> new BF16Matrix(name, data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(name, data, rows, cols, copies);
            case Q4_0 -> new Q4_0Matrix(name, data, rows, cols, copies);
            case Q4_1 -> new Q4_1Matrix(name, data, rows, cols);
            case Q5_0 -> new Q5_0Matrix(name, data, rows, cols);
            case Q5_1 -> new Q5_1Matrix(name, data, rows, cols);
            case Q2_K -> new Q2_KMatrix(name, data, rows, cols);
            case Q3_K -> new Q3_KMatrix(name, data, rows, cols);
            case Q4_K -> new Q4_KMatrix(name, data, rows, cols, copies);
            case Q5_K -> new Q5_KMatrix(name, data, rows, cols);
            case Q6_K -> new Q6_KMatrix(name, data, rows, cols, copies);
            case Q8_1, Q8_K, IQ2_XXS, IQ2_XS, IQ3_XXS, IQ1_S, IQ4_NL,
                 IQ3_S, IQ2_S, IQ4_XS, I8, I16, I32, I64, F64, IQ1_M, TQ1_0, TQ2_0, MXFP4 ->
                    throw new UnsupportedTensorTypeException(name, type,
                            "is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)");
        };
    }
}
