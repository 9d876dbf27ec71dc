package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Blocks of 32 weights {@code d·q + m}: half scale d, half minimum m, 16 bytes of unsigned 4-bit q (byte j holds
 * element j low, j+16 high) — 20 bytes. Multiplies Q8_1 input: per block {@code d·dx·Σq·qx + m·sx}, where the
 * input's precomputed {@code sx = dx·Σqx} carries the minimum's share without touching the values.
 */
public record Q4_1Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 20;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_1;
    }

    @Override
    public int scratchFloats() {
        return 0;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, Scratch scratch) {
        byte[] xq = x.q8Values();
        float[] xs = x.q8Scales();
        float[] xsum = x.q8Sums();
        int tokens = x.tokens();
        int blocks = cols / 32;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowByte = (long) r * blocks * BLOCK_BYTES;
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = dot(data, rowByte, xq, t * cols, xs, xsum, t * blocks, blocks);
            }
        }
    }

    static float dot(MemorySegment w, long wByte, byte[] xq, int xo, float[] xs, float[] xsum, int so, int blocks) {
        // The row as its own segment at int offsets (DEVELOPERS.md, rule 12), used by JDK calls only: a helper left
        // out of line would need it as an object (see Q8_0Matrix.dotRows2).
        MemorySegment r = w.asSlice(wByte, (long) blocks * BLOCK_BYTES);
        FloatVector acc = FloatVector.zero(Kernels.FLOATS);
        float mins = 0;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            int xb = xo + 32 * b;
            IntVector sum = IntVector.zero(Kernels.INTS);
            for (int c = 0; c < 16; c += Kernels.LANES) {
                ByteVector packed = ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 4 + c, Kernels.LE);
                IntVector lo = QuantLanes.widen(packed.and((byte) 0x0F));
                IntVector hi = QuantLanes.widen(packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F));
                sum = sum.add(lo.mul(QuantLanes.ints(xq, xb + c))).add(hi.mul(QuantLanes.ints(xq, xb + 16 + c)));
            }
            mins += Float.float16ToFloat(r.get(Kernels.HALF, block + 2)) * xsum[so + b];
            float scale = Float.float16ToFloat(r.get(Kernels.HALF, block)) * xs[so + b];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Kernels.FLOATS, scale), acc);
        }
        return Kernels.sum(acc) + mins;
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        long rowBytes = (long) (cols / 32) * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = (r - rowFrom) * dstStride - colFrom;
            for (int b = colFrom / 32; b < colTo / 32; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                FloatVector d = FloatVector.broadcast(Kernels.FLOATS, QuantLanes.half(data, block));
                FloatVector m = FloatVector.broadcast(Kernels.FLOATS, QuantLanes.half(data, block + 2));
                for (int c = 0; c < 16; c += Kernels.LANES) {
                    ByteVector packed = QuantLanes.bytes(data, block + 4 + c);
                    IntVector lo = QuantLanes.widen(packed.and((byte) 0x0F));
                    IntVector hi = QuantLanes.widen(packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F));
                    ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(d).add(m).intoArray(dst, o + 32 * b + c);
                    ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(d).add(m).intoArray(dst, o + 32 * b + 16 + c);
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
            float d = QuantLanes.half(data, block);
            float m = QuantLanes.half(data, block + 2);
            for (int j = 0; j < 16; j++) {
                int packed = QuantLanes.u8(data, block + 4 + j);
                dst[offset + b * 32 + j] = (packed & 0x0F) * d + m;
                dst[offset + b * 32 + j + 16] = (packed >>> 4) * d + m;
            }
        }
    }
}
