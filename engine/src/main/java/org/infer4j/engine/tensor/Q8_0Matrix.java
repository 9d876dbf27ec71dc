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
 * Kernels: each block's int8 weights are widened to float lanes and multiplied by the block scale, then
 * fused-multiply-added with the quantized input decoded to floats ({@link Activations#q8Floats()}), so the sums
 * are those of ggml's integer kernel up to float rounding. This measured as fast as 16-bit integer products
 * for one token and is much faster for many, where the decoded block serves a whole tile of tokens. One token
 * runs one row at a time and scales each block's sum; a batch
 * runs one row against a tile of {@value #TILE} tokens, scaling the decoded weights once for the whole tile,
 * while a group of rows and a chunk of the tile's input stay in L1. The two orders differ only in float
 * rounding (a few ulps of the sum).
 */
public record Q8_0Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 34;

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
        return 0;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, float[] scratch) {
        if (x.tokens() > 1) {
            TileGemm.multiply(this, x, out, outOffset, outStride, rowFrom, rowTo, scratch);
            return;
        }
        float[] xf = x.q8Floats();
        int blocks = cols / 32;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        // One row at a time: rows in pairs (sharing the input's loads) measured faster with the matrix in cache, but
        // from memory, where a generated token reads every matrix, the two interleaved streams ran at half the speed
        // (one thread: 6.4 vs 13.6 GB/s for Q8_0), the hardware prefetcher following one sequential stream best.
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOffset + r] = dot(data, r * rowBytes, blocks, xf, 0);
        }
    }

    /** One row · one token: per block, Σ w·x in float lanes, then times the block scale */
    static float dot(MemorySegment w, long rowByte, int blocks, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + (long) b * BLOCK_BYTES;
            FloatVector sum = raw(w, block, 0).mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32 * b));
            for (int c = Kernels.LANES; c < 32; c += Kernels.LANES) {
                sum = raw(w, block, c).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32 * b + c), sum);
            }
            acc = sum.fma(scale(w, block), acc);
        }
        return Kernels.sum(acc);
    }

    /** Weights {@code c .. c+LANES} of a block as floats. */
    private static FloatVector raw(MemorySegment w, long block, int c) {
        return (FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, w, block + 2 + c, Kernels.LE)
                .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
    }

    /** Weights {@code c .. c+LANES} of a block as floats times the block scale. */
    private static FloatVector weights(MemorySegment w, long block, int c, FloatVector scale) {
        return ((FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, w, block + 2 + c, Kernels.LE)
                .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)).mul(scale);
    }

    private static FloatVector scale(MemorySegment w, long block) {
        return FloatVector.broadcast(Kernels.FLOATS, Float.float16ToFloat(w.get(Kernels.HALF, block)));
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        long rowBytes = (long) (cols / 32) * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = (r - rowFrom) * dstStride - colFrom;
            for (int b = colFrom / 32; b < colTo / 32; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                FloatVector scale = scale(data, block);
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    weights(data, block, c, scale).intoArray(dst, o + 32 * b + c);
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
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
