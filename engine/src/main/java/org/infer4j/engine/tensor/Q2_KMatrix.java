package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Super-blocks of 256 weights in 16 groups of 16, weight {@code d·sc·q - dmin·m} with 2-bit q: 16 bytes of
 * 4-bit scale (low) and min (high) per group, 64 bytes of quants, half d, half dmin — 84 bytes. Group
 * {@code g = 8h + 2j + k} takes bits {@code 2j..2j+1} of bytes {@code 32h + 16k ..+16}. Multiplies Q8_K input:
 * exact integer sums per super-block, the mins through the input's 16-value sums.
 */
public record Q2_KMatrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 84;

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
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
            for (int g = 0; g < 16; g++) {
                int sc = QuantLanes.u8(w, block + g);
                mins += (sc >>> 4) * xsums[sb + g];
                long qs = block + 16 + 32 * (g >>> 3) + 16 * (g & 1);
                int shift = 2 * ((g >>> 1) & 3);
                IntVector group = IntVector.zero(Kernels.INTS);
                for (int c = 0; c < 16; c += Kernels.LANES) {
                    IntVector q = QuantLanes.widen(QuantLanes.bytes(w, qs + c).lanewise(VectorOperators.LSHR, shift).and((byte) 3));
                    group = group.add(q.mul(QuantLanes.ints(xq, xb + 16 * g + c)));
                }
                acc = acc.add(group.mul(sc & 0x0F));
            }
            float d = xd[so + b] * QuantLanes.half(w, block + 80);
            float dmin = -xd[so + b] * QuantLanes.half(w, block + 82);
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
                float d = QuantLanes.half(data, block + 80);
                float dmin = QuantLanes.half(data, block + 82);
                for (int g = 0; g < 16; g++) {
                    int sc = QuantLanes.u8(data, block + g);
                    FloatVector dl = FloatVector.broadcast(Kernels.FLOATS, d * (sc & 0x0F));
                    FloatVector ml = FloatVector.broadcast(Kernels.FLOATS, dmin * (sc >>> 4));
                    long qs = block + 16 + 32 * (g >>> 3) + 16 * (g & 1);
                    int shift = 2 * ((g >>> 1) & 3);
                    for (int c = 0; c < 16; c += Kernels.LANES) {
                        IntVector q = QuantLanes.widen(QuantLanes.bytes(data, qs + c)).lanewise(VectorOperators.ASHR, shift).and(3);
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(dl).sub(ml).intoArray(dst, o + 256 * b + 16 * g + c);
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
            float d = QuantLanes.half(data, block + 80);
            float dmin = QuantLanes.half(data, block + 82);
            for (int g = 0; g < 16; g++) {
                int sc = QuantLanes.u8(data, block + g);
                float dl = d * (sc & 0x0F);
                float ml = dmin * (sc >>> 4);
                long qs = block + 16 + 32 * (g >>> 3) + 16 * (g & 1);
                int shift = 2 * ((g >>> 1) & 3);
                for (int l = 0; l < 16; l++) {
                    dst[offset + 256 * b + 16 * g + l] = dl * ((QuantLanes.u8(data, qs + l) >>> shift) & 3) - ml;
                }
            }
        }
    }
}
