package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * As {@link Q4_KMatrix} with 5-bit q: half d, half dmin, 12 bytes of 6-bit scales and mins, 32 bytes of high
 * bits (bit s of byte l is bit 4 of element l of sub-block s), 128 bytes of nibbles — 176 bytes. Multiplies
 * Q8_K input.
 */
public record Q5_KMatrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 176;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_K;
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
        byte[] xq = x.q8kValues();
        float[] xd = x.q8kScales();
        int[] xsums = x.q8kSums();
        int tokens = x.tokens();
        int blocks = cols / 256;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowByte = (long) r * blocks * BLOCK_BYTES;
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = dot(data, rowByte, xq, t * cols, xd, xsums, t * blocks, blocks);
            }
        }
    }

    static float dot(MemorySegment w, long wByte, byte[] xq, int xo, float[] xd, int[] xsums, int so, int blocks) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = wByte + (long) BLOCK_BYTES * b;
            int xb = xo + 256 * b;
            int sb = 16 * (so + b);
            IntVector acc = IntVector.zero(Kernels.INTS);
            int mins = 0;
            for (int s = 0; s < 8; s++) {
                mins += QuantLanes.k4Min(w, block + 4, s) * (xsums[sb + 2 * s] + xsums[sb + 2 * s + 1]);
                long qs = block + 48 + 32 * (s >>> 1);
                int shift = 4 * (s & 1);
                IntVector sub = IntVector.zero(Kernels.INTS);
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    ByteVector low = QuantLanes.bytes(w, qs + c).lanewise(VectorOperators.LSHR, shift).and((byte) 0x0F);
                    ByteVector high = QuantLanes.bytes(w, block + 16 + c).lanewise(VectorOperators.LSHR, s).and((byte) 1);
                    IntVector q = QuantLanes.widen(low.or(high.lanewise(VectorOperators.LSHL, 4)));
                    sub = sub.add(q.mul(QuantLanes.ints(xq, xb + 32 * s + c)));
                }
                acc = acc.add(sub.mul(QuantLanes.k4Scale(w, block + 4, s)));
            }
            float d = xd[so + b] * QuantLanes.half(w, block);
            float dmin = -xd[so + b] * QuantLanes.half(w, block + 2);
            sum += d * Kernels.sum(acc) + dmin * mins;
        }
        return sum;
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        long rowBytes = (long) (cols / 256) * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = (r - rowFrom) * dstStride - colFrom;
            for (int b = colFrom / 256; b < colTo / 256; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                float d = QuantLanes.half(data, block);
                float dmin = QuantLanes.half(data, block + 2);
                for (int s = 0; s < 8; s++) {
                    FloatVector dl = FloatVector.broadcast(Kernels.FLOATS, d * QuantLanes.k4Scale(data, block + 4, s));
                    FloatVector ml = FloatVector.broadcast(Kernels.FLOATS, dmin * QuantLanes.k4Min(data, block + 4, s));
                    long qs = block + 48 + 32 * (s >>> 1);
                    int shift = 4 * (s & 1);
                    for (int c = 0; c < 32; c += Kernels.LANES) {
                        IntVector low = QuantLanes.widen(QuantLanes.bytes(data, qs + c)).lanewise(VectorOperators.ASHR, shift).and(0x0F);
                        IntVector high = QuantLanes.widen(QuantLanes.bytes(data, block + 16 + c)).lanewise(VectorOperators.ASHR, s).and(1);
                        IntVector q = low.or(high.lanewise(VectorOperators.LSHL, 4));
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(dl).sub(ml).intoArray(dst, o + 256 * b + 32 * s + c);
                    }
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 256;
        long rowByte = (long) row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + (long) b * BLOCK_BYTES;
            float d = QuantLanes.half(data, block);
            float dmin = QuantLanes.half(data, block + 2);
            for (int s = 0; s < 8; s++) {
                float dl = d * QuantLanes.k4Scale(data, block + 4, s);
                float ml = dmin * QuantLanes.k4Min(data, block + 4, s);
                long qs = block + 48 + 32 * (s >>> 1);
                int shift = 4 * (s & 1);
                for (int l = 0; l < 32; l++) {
                    int q = ((QuantLanes.u8(data, qs + l) >>> shift) & 0x0F) | ((QuantLanes.u8(data, block + 16 + l) >>> s) & 1) << 4;
                    dst[offset + 256 * b + 32 * s + l] = dl * q - ml;
                }
            }
        }
    }
}
