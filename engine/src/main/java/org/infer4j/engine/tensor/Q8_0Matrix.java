package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Blocks of 32 weights: a half-precision scale and 32 int8 (34 bytes). Multiplies Q8_0-quantized input.
 * <p>
 * Kernels: one token runs whole groups of 32 rows on a copy re-laid at load ({@link InterleavedQ8_0}: int16
 * products, exact block sums; the file's pages of those rows leave memory). The rows past them widen each block's
 * int8 weights to float lanes and fused-multiply-add them with the quantized input decoded to floats
 * ({@link Activations#q8Floats()}; the sums are ggml's integer kernel's up to float rounding), in pairs of rows half
 * the range apart, each block's sum scaled. A batch runs one row against a tile of tokens ({@link TileGemm}; the grouped
 * rows' tiles dequantized from the copy), scaling the decoded weights once for the whole tile, while a group of rows
 * and a chunk of the tile's input stay in L1. The orders differ only in float rounding (a few ulps of the sum).
 */
public record Q8_0Matrix(String name, MemorySegment data, int rows, int cols, InterleavedQ8_0 groups) implements RelaidMatrix {
    private static final int BLOCK_BYTES = 34;

    /**
     * Wraps the file's bytes, and re-lays its whole groups of 32 rows for the one-token kernel
     * ({@link InterleavedQ8_0}; none where the vectors are narrower than 512 bits).
     */
    public Q8_0Matrix(String name, MemorySegment data, int rows, int cols) {
        this(name, data, rows, cols, RelaidCopies.IN_MEMORY);
    }

    /** As {@link #Q8_0Matrix(String, MemorySegment, int, int)}, the re-laid groups from {@code copies}. */
    public Q8_0Matrix(String name, MemorySegment data, int rows, int cols, RelaidCopies copies) {
        this(name, data, rows, cols, InterleavedQ8_0.of(data, rows, cols, copies));
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_0;
    }

    @Override
    public int scratchFloats() {
        return RowGroups.GROUP;
    }

    @Override
    public boolean batchesInFloatTiles() {
        return true;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, Scratch scratch) {
        if (x.tokens() > 1) {
            TileGemm.multiply(this, x, out, outOffset, outStride, rowFrom, rowTo, scratch.floats());
            return;
        }
        if (groups != null) {
            rowFrom = groups.multiplyRange(x, out, outOffset, rowFrom, rowTo, scratch.floats());
            if (rowFrom == rowTo) {
                return;
            }
        }
        // Rows past the groups, and every row where there are none, from the file.
        int blocks = cols / 32;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        if (cols > Kernels.LONG_ROW) {
            byte[] xq = x.q8Values();
            float[] xd = x.q8Scales();
            int half = (rowTo - rowFrom) / 2;
            for (int r = rowFrom; r < rowFrom + half; r++) {
                dotRows2(data, r * rowBytes, (r + half) * rowBytes, blocks, xq, xd, out, outOffset + r, outOffset + r + half);
            }
            if ((rowTo - rowFrom) % 2 != 0) {
                int r = rowTo - 1;
                dotRows2(data, r * rowBytes, r * rowBytes, blocks, xq, xd, out, outOffset + r, outOffset + r);
            }
            return;
        }
        float[] xf = x.q8Floats();
        // Rows in pairs half the range apart, sharing the input's loads: two sequential streams far apart, which the
        // hardware prefetcher follows as well as one. Adjacent pairs ran at half the speed from memory (their two
        // streams interleave within the same pages): one thread, 151936x896 from DRAM, adjacent pairs 6.4 GB/s,
        // one row at a time 13.6-14.1, pairs half the range apart 17.2-17.3.
        int half = (rowTo - rowFrom) / 2;
        for (int r = rowFrom; r < rowFrom + half; r++) {
            dotRows2(data, r * rowBytes, (r + half) * rowBytes, blocks, xf, out, outOffset + r, outOffset + r + half);
        }
        if ((rowTo - rowFrom) % 2 != 0) {
            out[outOffset + rowTo - 1] = dot(data, (rowTo - 1) * rowBytes, blocks, xf, 0);
        }
    }

    /** One row · one token: per block, Σ w·x in float lanes, then times the block scale */
    static float dot(MemorySegment w, long rowByte, int blocks, float[] x, int xo) {
        MemorySegment r = w.asSlice(rowByte, (long) blocks * BLOCK_BYTES);
        FloatVector acc = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector sum = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 2, Kernels.LE)
                    .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32 * b));
            for (int c = Kernels.LANES; c < 32; c += Kernels.LANES) {
                sum = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32 * b + c), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(r.get(Kernels.HALF, block))), acc);
        }
        return Kernels.sum(acc);
    }

    /**
     * Two rows · one token: {@code out[oA]} and {@code out[oB]}, each as {@link #dot} computes it (same bits); two
     * chains in flight, one input load.
     */
    static void dotRows2(MemorySegment w, long rowA, long rowB, int blocks, float[] x, float[] out, int oA, int oB) {
        // Each row its own segment read at int offsets (DEVELOPERS.md, rules 4 and 12): with long offsets into the
        // whole file, ffn_gate from memory ran at 16.7-17.0 GB/s on one thread, 28.6 on two; now 18.5-19.4 and 33.1.
        // Vector API calls only, no helpers: a helper left out of line receives the row segments, which must then
        // exist as objects (Llama-3.2-1B-shaped Q8_0 generated at 2.1 t/s with 500 collections in 64 tokens).
        MemorySegment ra = w.asSlice(rowA, (long) blocks * BLOCK_BYTES);
        MemorySegment rb = w.asSlice(rowB, (long) blocks * BLOCK_BYTES);
        FloatVector a = FloatVector.zero(Kernels.FLOATS);
        FloatVector b2 = a;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector xv = FloatVector.fromArray(Kernels.FLOATS, x, 32 * b);
            FloatVector sumA = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, ra, block + 2, Kernels.LE)
                    .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(xv);
            FloatVector sumB = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, rb, block + 2, Kernels.LE)
                    .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(xv);
            for (int c = Kernels.LANES; c < 32; c += Kernels.LANES) {
                xv = FloatVector.fromArray(Kernels.FLOATS, x, 32 * b + c);
                sumA = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, ra, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).fma(xv, sumA);
                sumB = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, rb, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).fma(xv, sumB);
            }
            a = sumA.fma(FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(ra.get(Kernels.HALF, block))), a);
            b2 = sumB.fma(FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(rb.get(Kernels.HALF, block))), b2);
        }
        out[oA] = Kernels.sum(a);
        out[oB] = Kernels.sum(b2);
    }

    /**
     * Two rows · one token for long rows ({@link Kernels#LONG_ROW}): the input as its int8 values {@code x} with
     * per-block scales {@code xd}, widened to floats here, rather than as floats. Per block Σ w·q in float lanes
     * (exact integers), times the weight scale times the input's. Bytes keep the input's footprint in L1 a quarter
     * of the floats', which long rows need: 4864-column rows from memory, one thread, 9.2-10.5 GB/s with float
     * input (its lines are evicted by the weight stream and their misses take the slots the stream's need) against
     * 16.2 with bytes; at 896 columns the floats are faster (17 against 14.6). {@code rowA == rowB} is allowed.
     */
    static void dotRows2(MemorySegment w, long rowA, long rowB, int blocks, byte[] x, float[] xd, float[] out, int oA, int oB) {
        MemorySegment ra = w.asSlice(rowA, (long) blocks * BLOCK_BYTES);
        MemorySegment rb = w.asSlice(rowB, (long) blocks * BLOCK_BYTES);
        FloatVector a = FloatVector.zero(Kernels.FLOATS);
        FloatVector b2 = a;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector xv = (FloatVector) ByteVector.fromArray(Kernels.BYTES, x, 32 * b).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
            FloatVector sumA = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, ra, block + 2, Kernels.LE)
                    .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(xv);
            FloatVector sumB = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, rb, block + 2, Kernels.LE)
                    .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(xv);
            for (int c = Kernels.LANES; c < 32; c += Kernels.LANES) {
                xv = (FloatVector) ByteVector.fromArray(Kernels.BYTES, x, 32 * b + c).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
                sumA = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, ra, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).fma(xv, sumA);
                sumB = ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, rb, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).fma(xv, sumB);
            }
            float d = xd[b];
            a = sumA.fma(FloatVector.broadcast(Kernels.FLOATS, d * Float.float16ToFloat(ra.get(Kernels.HALF, block))), a);
            b2 = sumB.fma(FloatVector.broadcast(Kernels.FLOATS, d * Float.float16ToFloat(rb.get(Kernels.HALF, block))), b2);
        }
        out[oA] = Kernels.sum(a);
        out[oB] = Kernels.sum(b2);
    }

    static {
        // Run each one-token kernel once, on zero blocks, as the class initializes: every Vector API class its body
        // uses is then loaded before C2 compiles it (see Q6_KMatrix, where a compile that met a class not loaded yet
        // left operations to the Vector API's Java fallback in some JVM runs).
        // The weights native like the mapped ones: a heap segment here put a third segment class into the profiles of
        // the JDK code that every vector load shares, and C2 more often compiled the K-quant one-token kernels into
        // code 2-3x larger and slower (Q4_K_M tg128 after pp512 at 13.9-15.3 t/s instead of ~20 in 6 of 8 runs; 1 of 8
        // after. Not the whole cause: under a flight recorder the large Q6_K compile still shows in 5 of 8 runs).
        MemorySegment w = java.lang.foreign.Arena.ofAuto().allocate(2 * 34, 64);
        float[] out = new float[2];
        dotRows2(w, 0, 34, 1, new float[32], out, 0, 1);
        dotRows2(w, 0, 34, 1, new byte[32], new float[1], out, 0, 1);
        dot(w, 0, 1, new float[32], 0);
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        int relaid = Math.min(rowTo, relaidRows());
        if (rowFrom < relaid) {
            groups.dequantizeTile(rowFrom, relaid, colFrom, colTo, dst, dstStride);
        }
        // Rows past the groups, and every row where there are none, from the file.
        long rowBytes = (long) (cols / 32) * BLOCK_BYTES;
        int firstBlock = colFrom / 32;
        int blocks = colTo / 32 - firstBlock;
        for (int r = Math.max(rowFrom, relaid); r < rowTo; r++) {
            // The row's piece as its own segment read at int offsets (rule 12 of DEVELOPERS.md), everything inlined.
            MemorySegment row = data.asSlice(r * rowBytes + (long) firstBlock * BLOCK_BYTES, (long) blocks * BLOCK_BYTES);
            int o = (r - rowFrom) * dstStride + 32 * firstBlock - colFrom;
            for (int b = 0, block = 0; b < blocks; b++, block += BLOCK_BYTES) {
                FloatVector scale = FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(row.get(Kernels.HALF, block)));
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, row, block + 2 + c, Kernels.LE)
                            .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(scale).intoArray(dst, o + 32 * b + c);
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        if (row < relaidRows()) {
            groups.dequantizeRow(row, dst, offset);
            return;
        }
        int blocks = cols / 32;
        long rowByte = (long) row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(Kernels.HALF, block));
            for (int j = 0; j < 32; j++) {
                dst[offset + b * 32 + j] = d * data.get(ValueLayout.JAVA_BYTE, block + 2 + j);
            }
        }
    }
}
