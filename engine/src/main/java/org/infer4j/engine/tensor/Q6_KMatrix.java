package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Super-blocks of 256 weights in 16 groups of 16, weight {@code d·sc·(q - 32)} with 6-bit q: 128 bytes of low
 * nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, half d — 210 bytes. Group {@code g = 8h + 2p + k},
 * element l: low nibble {@code 4·(p/2)..} of byte {@code 64h + 32·(p%2) + 16k + l}, high bits {@code 2p..2p+1}
 * of byte {@code 128 + 32h + 16k + l}. Multiplies Q8_K input.
 */
public record Q6_KMatrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 210;

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
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
        int tokens = x.tokens();
        int blocks = cols / 256;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowByte = (long) r * blocks * BLOCK_BYTES;
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = dot(data, rowByte, xq, t * cols, xd, t * blocks, blocks);
            }
        }
    }

    static float dot(MemorySegment w, long wByte, byte[] xq, int xo, float[] xd, int so, int blocks) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) {
            long block = wByte + (long) BLOCK_BYTES * b;
            int xb = xo + 256 * b;
            IntVector acc = IntVector.zero(Kernels.INTS);
            for (int g = 0; g < 16; g++) {
                int h = g >>> 3, p = (g >>> 1) & 3, k = g & 1;
                long ql = block + 64 * h + 32 * (p & 1) + 16 * k;
                long qh = block + 128 + 32 * h + 16 * k;
                IntVector group = IntVector.zero(Kernels.INTS);
                for (int c = 0; c < 16; c += Kernels.LANES) {
                    ByteVector low = QuantLanes.bytes(w, ql + c).lanewise(VectorOperators.LSHR, 4 * (p >>> 1)).and((byte) 0x0F);
                    ByteVector high = QuantLanes.bytes(w, qh + c).lanewise(VectorOperators.LSHR, 2 * p).and((byte) 3);
                    IntVector q = QuantLanes.widen(low.or(high.lanewise(VectorOperators.LSHL, 4)).sub((byte) 32));
                    group = group.add(q.mul(QuantLanes.ints(xq, xb + 16 * g + c)));
                }
                acc = acc.add(group.mul(w.get(ValueLayout.JAVA_BYTE, block + 192 + g)));
            }
            float d = xd[so + b] * QuantLanes.half(w, block + 208);
            sum += d * Kernels.sum(acc);
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
                float d = QuantLanes.half(data, block + 208);
                for (int g = 0; g < 16; g++) {
                    int h = g >>> 3, p = (g >>> 1) & 3, k = g & 1;
                    long ql = block + 64 * h + 32 * (p & 1) + 16 * k;
                    long qh = block + 128 + 32 * h + 16 * k;
                    FloatVector dl = FloatVector.broadcast(Kernels.FLOATS, d * data.get(ValueLayout.JAVA_BYTE, block + 192 + g));
                    for (int c = 0; c < 16; c += Kernels.LANES) {
                        IntVector low = QuantLanes.widen(QuantLanes.bytes(data, ql + c)).lanewise(VectorOperators.ASHR, 4 * (p >>> 1)).and(0x0F);
                        IntVector high = QuantLanes.widen(QuantLanes.bytes(data, qh + c)).lanewise(VectorOperators.ASHR, 2 * p).and(3);
                        IntVector q = low.or(high.lanewise(VectorOperators.LSHL, 4)).sub(32);
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(dl).intoArray(dst, o + 256 * b + 16 * g + c);
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
            float d = QuantLanes.half(data, block + 208);
            for (int g = 0; g < 16; g++) {
                int h = g >>> 3, p = (g >>> 1) & 3, k = g & 1;
                long ql = block + 64 * h + 32 * (p & 1) + 16 * k;
                long qh = block + 128 + 32 * h + 16 * k;
                float dl = d * data.get(ValueLayout.JAVA_BYTE, block + 192 + g);
                for (int l = 0; l < 16; l++) {
                    int q = ((QuantLanes.u8(data, ql + l) >>> (4 * (p >>> 1))) & 0x0F) | ((QuantLanes.u8(data, qh + l) >>> (2 * p)) & 3) << 4;
                    dst[offset + 256 * b + 16 * g + l] = dl * (q - 32);
                }
            }
        }
    }
}
