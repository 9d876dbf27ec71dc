package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Blocks of 32 weights: a half-precision scale and 16 bytes of 4-bit values stored +8; byte j holds element j
 * in its low nibble and element j+16 in its high nibble (18 bytes). Multiplies Q8_0-quantized input.
 * <p>
 * Kernels: as {@link Q8_0Matrix}'s, with each group of packed bytes split into its low and high nibbles
 * (minus 8), widened to floats and multiplied with input elements j and j+16, for rows past the last whole group
 * of 32; the groups run on a copy re-laid at load ({@link InterleavedQ4_0}, one token), a batch sums each block in
 * int16 lanes ({@link Int16Gemm}), its tiles taken from the same copy ({@link GroupColumns}), so that the file's
 * pages of the grouped rows leave memory after load.
 */
public record Q4_0Matrix(String name, MemorySegment data, int rows, int cols, InterleavedQ4_0 groups)
        implements RelaidMatrix, Int16Tiles {
    private static final int BLOCK_BYTES = 18;

    /**
     * Wraps the file's bytes, and re-lays its whole groups of 32 rows for the one-token kernel
     * ({@link InterleavedQ4_0}; none where the vectors are narrower than 512 bits).
     */
    public Q4_0Matrix(String name, MemorySegment data, int rows, int cols) {
        this(name, data, rows, cols, RelaidCopies.IN_MEMORY);
    }

    /** As {@link #Q4_0Matrix(String, MemorySegment, int, int)}, the re-laid groups from {@code copies}. */
    public Q4_0Matrix(String name, MemorySegment data, int rows, int cols, RelaidCopies copies) {
        this(name, data, rows, cols, InterleavedQ4_0.of(data, rows, cols, copies));
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
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
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, Scratch scratch) {
        if (x.tokens() > 1) {
            Int16Gemm.multiply(this, x, out, outOffset, outStride, rowFrom, rowTo, scratch);
            return;
        }
        int r = groups == null ? rowFrom : groups.multiplyRange(x, out, outOffset, rowFrom, rowTo, scratch.floats());
        if (r < rowTo) {
            multiplyRows(x, out, outOffset, r, rowTo);
        }
    }

    /** One token, rows {@code [rowFrom, rowTo)} each from the file's own layout. */
    private void multiplyRows(Activations x, float[] out, int outOffset, int rowFrom, int rowTo) {
        int blocks = cols / 32;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        if (cols > Kernels.LONG_ROW) {
            byte[] xq = x.q8Values();
            float[] xd = x.q8Scales();
            float[] laneOffsets = x.q4LaneOffsets();
            int half = (rowTo - rowFrom) / 2;
            for (int r = rowFrom; r < rowFrom + half; r++) {
                dotRows2(data, r * rowBytes, (r + half) * rowBytes, blocks, xq, xd, laneOffsets, out, outOffset + r, outOffset + r + half);
            }
            if ((rowTo - rowFrom) % 2 != 0) {
                long row = (rowTo - 1) * rowBytes;
                dotRows2(data, row, row, blocks, xq, xd, laneOffsets, out, outOffset + rowTo - 1, outOffset + rowTo - 1);
            }
            return;
        }
        float[] xf = x.q8Floats();
        float[] offsets = x.q4Offsets();
        // One row at a time: rows in pairs (sharing the input's loads) measured faster with the matrix in cache, but
        // from memory, where a generated token reads every matrix, the two interleaved streams ran at half the speed
        // (one thread: 6.4 vs 13.6 GB/s for Q8_0), the hardware prefetcher following one sequential stream best.
        // Rows in pairs half the range apart, as Q8_0's (two far-apart sequential streams, one load of the input for
        // both): one thread from DRAM, token_embd 8.4 -> 9.1 GB/s, 24 layers' ffn_down 5.2 -> 6.7 over one row at a time.
        int half = (rowTo - rowFrom) / 2;
        for (int r = rowFrom; r < rowFrom + half; r++) {
            dotRows2(data, r * rowBytes, (r + half) * rowBytes, blocks, xf, offsets, out, outOffset + r, outOffset + r + half);
        }
        if ((rowTo - rowFrom) % 2 != 0) {
            out[outOffset + rowTo - 1] = dotRow(data, (rowTo - 1) * rowBytes, blocks, xf, offsets);
        }
    }

    /**
     * One row · one token: per block, Σ n·x over its 32 weights with the nibbles n unsigned, starting from the
     * block's offsets ({@link Activations#q4Offsets()}: Σ -8·x), so the sum is Σ (n - 8)·x; then times the block
     * scale. Unsigned nibbles are one AND or one shift from the widened bytes, where signed ones took four more
     * instructions per 32 weights (whole-model generation at 2 threads: +10%, tg128 39.6 -> 43-45 t/s). The row is
     * its own segment read at int offsets, so C2 takes the bounds checks out of the loop.
     */
    /** Two rows · one token: {@code out[oA]} and {@code out[oB]}, each as {@link #dotRow} computes it (same bits). */
    static void dotRows2(MemorySegment w, long rowA, long rowB, int blocks, float[] x, float[] offsets, float[] out, int oA, int oB) {
        MemorySegment ra = w.asSlice(rowA, (long) blocks * BLOCK_BYTES);
        MemorySegment rb = w.asSlice(rowB, (long) blocks * BLOCK_BYTES);
        FloatVector accA = FloatVector.zero(Kernels.FLOATS), accB = accA;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector sumA = FloatVector.fromArray(Kernels.FLOATS, offsets, 16 * b), sumB = sumA;
            for (int c = 0; c < 16; c += Kernels.LANES) {
                if (c > 0) {
                    FloatVector o = FloatVector.fromArray(Kernels.FLOATS, offsets, 16 * b + c);
                    sumA = sumA.add(o);
                    sumB = sumB.add(o);
                }
                FloatVector xl = FloatVector.fromArray(Kernels.FLOATS, x, 32 * b + c);
                FloatVector xh = FloatVector.fromArray(Kernels.FLOATS, x, 32 * b + 16 + c);
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, ra, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                sumA = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl,
                        ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, sumA));
                n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, rb, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                sumB = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl,
                        ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, sumB));
            }
            accA = sumA.fma(FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(ra.get(Kernels.HALF, block))), accA);
            accB = sumB.fma(FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(rb.get(Kernels.HALF, block))), accB);
        }
        out[oA] = Kernels.sum(accA);
        out[oB] = Kernels.sum(accB);
    }

    static float dotRow(MemorySegment w, long row, int blocks, float[] x, float[] offsets) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector acc = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector sum = FloatVector.fromArray(Kernels.FLOATS, offsets, 16 * b);
            for (int c = 0; c < 16; c += Kernels.LANES) {
                if (c > 0) {
                    sum = sum.add(FloatVector.fromArray(Kernels.FLOATS, offsets, 16 * b + c));
                }
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                sum = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, 32 * b + c),
                        ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.fromArray(Kernels.FLOATS, x, 32 * b + 16 + c), sum));
            }
            acc = sum.fma(FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(r.get(Kernels.HALF, block))), acc);
        }
        return Kernels.sum(acc);
    }

    /**
     * Two rows · one token for long rows ({@link Kernels#LONG_ROW}), the input as its int8 values {@code x} with
     * block scales {@code xd}, widened here: the float input and its offsets (6 bytes per column) would not stay in
     * L1 beside the weight stream (see {@link Q8_0Matrix}'s byte kernel). Per block, Σ n·q over the unsigned nibbles
     * in float lanes, started from {@code laneOffsets[b]} in every lane ({@link Activations#q4LaneOffsets()}: the
     * block's -8·Σq spread evenly, an exact multiple of 1/2), so the lanes sum to the block's exact integer
     * Σ (n - 8)·q; then times the weight scale times the input's. {@code rowA == rowB} is allowed. 24 layers'
     * ffn_down (896x4864) from memory: 2 threads 12.5 -> 13.4 GB/s, one thread 7.1 -> 7.7 (still bound by its
     * instructions; the Q8_0 kernel gains more).
     */
    static void dotRows2(MemorySegment w, long rowA, long rowB, int blocks, byte[] x, float[] xd, float[] laneOffsets,
                         float[] out, int oA, int oB) {
        MemorySegment ra = w.asSlice(rowA, (long) blocks * BLOCK_BYTES);
        MemorySegment rb = w.asSlice(rowB, (long) blocks * BLOCK_BYTES);
        FloatVector accA = FloatVector.zero(Kernels.FLOATS), accB = accA;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector sumA = FloatVector.broadcast(Kernels.FLOATS, laneOffsets[b]), sumB = sumA;
            for (int c = 0; c < 16; c += Kernels.LANES) {
                FloatVector xl = (FloatVector) ByteVector.fromArray(Kernels.BYTES, x, 32 * b + c).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
                FloatVector xh = (FloatVector) ByteVector.fromArray(Kernels.BYTES, x, 32 * b + 16 + c).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, ra, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                sumA = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl,
                        ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, sumA));
                n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, rb, block + 2 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                sumB = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl,
                        ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, sumB));
            }
            float d = xd[b];
            accA = sumA.fma(FloatVector.broadcast(Kernels.FLOATS, d * Float.float16ToFloat(ra.get(Kernels.HALF, block))), accA);
            accB = sumB.fma(FloatVector.broadcast(Kernels.FLOATS, d * Float.float16ToFloat(rb.get(Kernels.HALF, block))), accB);
        }
        out[oA] = Kernels.sum(accA);
        out[oB] = Kernels.sum(accB);
    }

    static {
        // Run each one-token kernel once, on zero blocks, as the class initializes: every Vector API class its body
        // uses is then loaded before C2 compiles it (see Q6_KMatrix, where a compile that met a class not loaded yet
        // left operations to the Vector API's Java fallback in some JVM runs).
        // The weights native like the mapped ones: a heap segment here put a third segment class into the profiles of
        // the JDK code that every vector load shares, and C2 more often compiled the K-quant one-token kernels into
        // code 2-3x larger and slower (Q4_K_M tg128 after pp512 at 13.9-15.3 t/s instead of ~20 in 6 of 8 runs; 1 of 8
        // after. Not the whole cause: under a flight recorder the large Q6_K compile still shows in 5 of 8 runs).
        MemorySegment w = java.lang.foreign.Arena.ofAuto().allocate(2 * 18, 64);
        float[] out = new float[2];
        dotRows2(w, 0, 18, 1, new float[32], new float[16], out, 0, 1);
        dotRow(w, 0, 1, new float[32], new float[16]);
        dotRows2(w, 0, 18, 1, new byte[32], new float[1], new float[1], out, 0, 1);
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        long rowBytes = (long) (cols / 32) * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = (r - rowFrom) * dstStride - colFrom;
            for (int b = colFrom / 32; b < colTo / 32; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                // Written out rather than through small helpers: C2 inlines this body into TileGemm's large one,
                // where it stops inlining small calls and would box the vectors they pass. Each weight is
                // fma(n, d, -8·d), which rounds once, as (n - 8)·d does (-8·d and n·d are exact).
                FloatVector scale = FloatVector.broadcast(Kernels.FLOATS, Half.f16ToFloat(data.get(Kernels.HALF, block)));
                FloatVector minus8 = scale.mul(-8f);
                for (int c = 0; c < 16; c += Kernels.LANES) {
                    IntVector packed = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, data, block + 2 + c, Kernels.LE)
                            .convertShape(VectorOperators.B2I, Kernels.INTS, 0);
                    ((FloatVector) packed.and(0x0F).convert(VectorOperators.I2F, 0)).fma(scale, minus8)
                            .intoArray(dst, o + 32 * b + c);
                    ((FloatVector) packed.lanewise(VectorOperators.ASHR, 4).and(0x0F).convert(VectorOperators.I2F, 0))
                            .fma(scale, minus8).intoArray(dst, o + 32 * b + 16 + c);
                }
            }
        }
    }

    @Override
    public boolean biased() {
        return false;
    }

    @Override
    public void int16Tile(int rowFrom, int rowTo, int colFrom, int colTo, int[] quants, int quantStride, float[] dst,
                          int scaleOffset, int biasOffset, int scaleStride) {
        int relaid = Math.min(rowTo, relaidRows());
        if (rowFrom < relaid) {
            groups.int16Tile(rowFrom, relaid, colFrom, colTo, quants, quantStride, dst, scaleOffset, biasOffset, scaleStride);
        }
        // Rows past the groups, and every row where there are none, from the file.
        long rowBytes = (long) (cols / 32) * BLOCK_BYTES;
        for (int r = Math.max(rowFrom, relaid); r < rowTo; r++) {
            int o = (r - rowFrom) * quantStride - colFrom;
            int so = scaleOffset + (r - rowFrom) * scaleStride - colFrom / 32;
            for (int b = colFrom / 32; b < colTo / 32; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                dst[so + b] = Half.f16ToFloat(data.get(Kernels.HALF, block));
                for (int c = 0; c < 16; c += Kernels.LANES) {
                    IntVector packed = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, data, block + 2 + c, Kernels.LE)
                            .convertShape(VectorOperators.B2I, Kernels.INTS, 0);
                    IntVector low = packed.and(0x0F).sub(8);
                    IntVector high = packed.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8);
                    low.lanewise(VectorOperators.LSHL, 16).or(low.and(0xFFFF)).intoArray(quants, o + 32 * b + c);
                    high.lanewise(VectorOperators.LSHL, 16).or(high.and(0xFFFF)).intoArray(quants, o + 32 * b + 16 + c);
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
            for (int j = 0; j < 16; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xFF;
                dst[offset + b * 32 + j] = d * ((packed & 0x0F) - 8);
                dst[offset + b * 32 + j + 16] = d * ((packed >>> 4) - 8);
            }
        }
    }
}
