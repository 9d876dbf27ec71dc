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
 * (minus 8), widened to floats, scaled, and multiplied with input elements j and j+16.
 */
public record Q4_0Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 18;
    private static final int TILE = 8;
    /** Floats of scratch per row of a tile: one vector accumulator per token. */
    private static final int ACCUMULATORS = TILE * Kernels.LANES;
    /** Blocks per input chunk: 1024 columns, so a tile of input (8 × 4 KB) stays in the L1 data cache. */
    private static final int K_CHUNK_BLOCKS = 32;

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
        return ACCUMULATORS;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, float[] scratch) {
        float[] xf = x.q8Floats();
        int tokens = x.tokens();
        int blocks = cols / 32;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        if (tokens == 1) {
            int r = rowFrom;
            for (; r + 1 < rowTo; r += 2) {
                dotRows2(data, r * rowBytes, (r + 1) * rowBytes, blocks, xf, out, outOffset + r, scratch);
            }
            if (r < rowTo) {
                out[outOffset + r] = dot(data, r * rowBytes, blocks, xf, 0, scratch);
            }
            return;
        }
        // Cache blocking: a tile of TILE tokens' input, cut into chunks of K_CHUNK_BLOCKS blocks (32 KB of floats),
        // stays in L1 while a group of rows passes over it; the rows' accumulators wait in scratch between chunks.
        int chunk = Math.min(blocks, K_CHUNK_BLOCKS);
        int group = Math.min(MatrixTiling.rowGroup(chunk * (long) BLOCK_BYTES), scratch.length / ACCUMULATORS);
        int tiled = tokens - tokens % TILE;
        for (int g = rowFrom; g < rowTo; g += group) {
            int gEnd = Math.min(rowTo, g + group);
            for (int t = 0; t < tiled; t += TILE) {
                for (int k = 0; k < blocks; k += chunk) {
                    int kEnd = Math.min(blocks, k + chunk);
                    for (int r = g; r < gEnd; r++) {
                        dotTile(data, r * rowBytes, k, kEnd, blocks, xf, t * cols, cols, scratch, (r - g) * ACCUMULATORS,
                                out, outOffset + t * outStride + r, outStride);
                    }
                }
            }
            for (int t = tiled; t < tokens; t++) {
                for (int r = g; r < gEnd; r++) {
                    out[outOffset + t * outStride + r] = dot(data, r * rowBytes, blocks, xf, t * cols, scratch);
                }
            }
        }
    }

    /** One row · one token; {@code lanes}: scratch for the sum ({@link Kernels#sumLanes}). */
    static float dot(MemorySegment w, long rowByte, int blocks, float[] x, int xo, float[] lanes) {
        FloatVector acc = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + (long) b * BLOCK_BYTES;
            FloatVector scale = scale(w, block);
            for (int c = 0; c < 16; c += Kernels.LANES) {
                IntVector packed = packed(w, block, c);
                acc = low(packed, scale).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32 * b + c), acc);
                acc = high(packed, scale).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32 * b + 16 + c), acc);
            }
        }
        acc.intoArray(lanes, 0);
        return Kernels.sumLanes(lanes, 0);
    }

    /** Two rows · one token: {@code out[o]} and {@code out[o + 1]}; two chains in flight, one input load; {@code lanes}: scratch for the two sums. */
    static void dotRows2(MemorySegment w, long rowA, long rowB, int blocks, float[] x, float[] out, int o, float[] lanes) {
        FloatVector a = FloatVector.zero(Kernels.FLOATS);
        FloatVector b2 = a;
        for (int b = 0; b < blocks; b++) {
            long blockA = rowA + (long) b * BLOCK_BYTES;
            long blockB = rowB + (long) b * BLOCK_BYTES;
            FloatVector scaleA = scale(w, blockA);
            FloatVector scaleB = scale(w, blockB);
            for (int c = 0; c < 16; c += Kernels.LANES) {
                FloatVector xlo = FloatVector.fromArray(Kernels.FLOATS, x, 32 * b + c);
                FloatVector xhi = FloatVector.fromArray(Kernels.FLOATS, x, 32 * b + 16 + c);
                IntVector packedA = packed(w, blockA, c);
                IntVector packedB = packed(w, blockB, c);
                a = low(packedA, scaleA).fma(xlo, a);
                b2 = low(packedB, scaleB).fma(xlo, b2);
                a = high(packedA, scaleA).fma(xhi, a);
                b2 = high(packedB, scaleB).fma(xhi, b2);
            }
        }
        a.intoArray(lanes, 0);
        b2.intoArray(lanes, Kernels.LANES);
        out[o] = Kernels.sumLanes(lanes, 0);
        out[o + 1] = Kernels.sumLanes(lanes, Kernels.LANES);
    }

    /**
     * One row · {@value #TILE} tokens whose inputs start at {@code x0}, {@code cols} apart, over blocks
     * {@code [bFrom, bTo)} of {@code blocks}. A row split into several chunks keeps the tokens' vector accumulators
     * between calls in {@code acc[ao ..]} ({@link #ACCUMULATORS} floats; stored and reloaded exactly, they chain as
     * in {@link #dot}); the call that ends the row writes the sums to {@code out[o + i·outStride]}.
     */
    static void dotTile(MemorySegment w, long rowByte, int bFrom, int bTo, int blocks, float[] x, int x0, int cols,
                        float[] acc, int ao, float[] out, int o, int outStride) {
        final int n = Kernels.LANES;
        FloatVector a0 = FloatVector.zero(Kernels.FLOATS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        if (bFrom > 0) {
            a0 = FloatVector.fromArray(Kernels.FLOATS, acc, ao);
            a1 = FloatVector.fromArray(Kernels.FLOATS, acc, ao + n);
            a2 = FloatVector.fromArray(Kernels.FLOATS, acc, ao + 2 * n);
            a3 = FloatVector.fromArray(Kernels.FLOATS, acc, ao + 3 * n);
            a4 = FloatVector.fromArray(Kernels.FLOATS, acc, ao + 4 * n);
            a5 = FloatVector.fromArray(Kernels.FLOATS, acc, ao + 5 * n);
            a6 = FloatVector.fromArray(Kernels.FLOATS, acc, ao + 6 * n);
            a7 = FloatVector.fromArray(Kernels.FLOATS, acc, ao + 7 * n);
        }
        for (int b = bFrom; b < bTo; b++) {
            long block = rowByte + (long) b * BLOCK_BYTES;
            FloatVector scale = scale(w, block);
            for (int c = 0; c < 16; c += Kernels.LANES) {
                IntVector packed = packed(w, block, c);
                FloatVector lo = low(packed, scale);
                FloatVector hi = high(packed, scale);
                int i = x0 + 32 * b + c;
                int j = i + 16;
                a0 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i), a0));
                a1 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j + cols), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i + cols), a1));
                a2 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j + 2 * cols), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i + 2 * cols), a2));
                a3 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j + 3 * cols), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i + 3 * cols), a3));
                a4 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j + 4 * cols), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i + 4 * cols), a4));
                a5 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j + 5 * cols), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i + 5 * cols), a5));
                a6 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j + 6 * cols), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i + 6 * cols), a6));
                a7 = hi.fma(FloatVector.fromArray(Kernels.FLOATS, x, j + 7 * cols), lo.fma(FloatVector.fromArray(Kernels.FLOATS, x, i + 7 * cols), a7));
            }
        }
        if (bTo == blocks) {
            out[o] = Kernels.sum(a0);
            out[o + outStride] = Kernels.sum(a1);
            out[o + 2 * outStride] = Kernels.sum(a2);
            out[o + 3 * outStride] = Kernels.sum(a3);
            out[o + 4 * outStride] = Kernels.sum(a4);
            out[o + 5 * outStride] = Kernels.sum(a5);
            out[o + 6 * outStride] = Kernels.sum(a6);
            out[o + 7 * outStride] = Kernels.sum(a7);
            return;
        }
        a0.intoArray(acc, ao);
        a1.intoArray(acc, ao + n);
        a2.intoArray(acc, ao + 2 * n);
        a3.intoArray(acc, ao + 3 * n);
        a4.intoArray(acc, ao + 4 * n);
        a5.intoArray(acc, ao + 5 * n);
        a6.intoArray(acc, ao + 6 * n);
        a7.intoArray(acc, ao + 7 * n);
    }

    /**
     * Packed bytes {@code c .. c+LANES} of a block, widened to int lanes: x86 has no byte shifts, and the
     * nibbles are cheapest to split in 32-bit lanes.
     */
    private static IntVector packed(MemorySegment w, long block, int c) {
        return (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, w, block + 2 + c, Kernels.LE)
                .convertShape(VectorOperators.B2I, Kernels.INTS, 0);
    }

    /**
     * Low nibbles n as floats (n - 8)·d: computed as fma(n, d, -8·d), which rounds once, as (n - 8)·d does
     * ({@code -8·d} and {@code n·d} are exact), so the value is the same and one instruction cheaper.
     */
    private static FloatVector low(IntVector packed, FloatVector scale) {
        return ((FloatVector) packed.and(0x0F).convert(VectorOperators.I2F, 0)).fma(scale, scale.mul(-8f));
    }

    /** High nibbles, as {@link #low}. */
    private static FloatVector high(IntVector packed, FloatVector scale) {
        return ((FloatVector) packed.lanewise(VectorOperators.ASHR, 4).and(0x0F).convert(VectorOperators.I2F, 0))
                .fma(scale, scale.mul(-8f));
    }

    private static FloatVector scale(MemorySegment w, long block) {
        return FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(w.get(Kernels.HALF, block)));
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
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
