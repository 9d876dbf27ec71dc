package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Super-blocks of 256 weights in 16 groups of 16, weight {@code d·(sc - 32)·q} with 3-bit signed q: 32 bytes
 * of high bits, 64 bytes of low 2 bits, 12 bytes of 6-bit scales, half d — 110 bytes. Group
 * {@code g = 8h + 2j + k}, element l: low bits {@code 2j..2j+1} of byte {@code 32h + 16k + l}; high bit
 * {@code 4h + j} of mask byte {@code 16k + l}; q is the low bits minus 4 when the high bit is clear.
 * Scale g: low 4 bits in byte g (g &lt; 8) or the high nibble of byte g-8; top 2 bits are bits
 * {@code 2(g/4)..} of byte {@code 8 + g%4}. Multiplies Q8_K input.
 */
public record Q3_KMatrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 110;

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
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
                long qs = block + 32 + 32 * (g >>> 3) + 16 * (g & 1);
                long hm = block + 16 * (g & 1);
                int j = (g >>> 1) & 3;
                int bit = 4 * (g >>> 3) + j;
                IntVector group = IntVector.zero(Kernels.INTS);
                for (int c = 0; c < 16; c += Kernels.LANES) {
                    ByteVector low = QuantLanes.bytes(w, qs + c).lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                    ByteVector high = QuantLanes.bytes(w, hm + c).lanewise(VectorOperators.LSHR, bit).and((byte) 1);
                    IntVector q = QuantLanes.widen(low.add(high.lanewise(VectorOperators.LSHL, 2)).sub((byte) 4));
                    group = group.add(q.mul(QuantLanes.ints(xq, xb + 16 * g + c)));
                }
                acc = acc.add(group.mul(scale(w, block + 96, g)));
            }
            float d = xd[so + b] * QuantLanes.half(w, block + 108);
            sum += d * Kernels.sum(acc);
        }
        return sum;
    }

    /** Scale of group {@code g} from the 12 bytes at {@code at}, already minus 32. */
    static int scale(MemorySegment w, long at, int g) {
        int low = g < 8 ? QuantLanes.u8(w, at + g) & 0x0F : QuantLanes.u8(w, at + g - 8) >>> 4;
        int high = (QuantLanes.u8(w, at + 8 + (g & 3)) >>> (2 * (g >>> 2))) & 3;
        return (low | high << 4) - 32;
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        long rowBytes = (long) (cols / 256) * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = (r - rowFrom) * dstStride - colFrom;
            for (int b = colFrom / 256; b < colTo / 256; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                float d = QuantLanes.half(data, block + 108);
                for (int g = 0; g < 16; g++) {
                    FloatVector dl = FloatVector.broadcast(Kernels.FLOATS, d * scale(data, block + 96, g));
                    long qs = block + 32 + 32 * (g >>> 3) + 16 * (g & 1);
                    long hm = block + 16 * (g & 1);
                    int j = (g >>> 1) & 3;
                    int bit = 4 * (g >>> 3) + j;
                    for (int c = 0; c < 16; c += Kernels.LANES) {
                        IntVector low = QuantLanes.widen(QuantLanes.bytes(data, qs + c)).lanewise(VectorOperators.ASHR, 2 * j).and(3);
                        IntVector high = QuantLanes.widen(QuantLanes.bytes(data, hm + c)).lanewise(VectorOperators.ASHR, bit).and(1);
                        IntVector q = low.add(high.lanewise(VectorOperators.LSHL, 2)).sub(4);
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
            float d = QuantLanes.half(data, block + 108);
            for (int g = 0; g < 16; g++) {
                float dl = d * scale(data, block + 96, g);
                long qs = block + 32 + 32 * (g >>> 3) + 16 * (g & 1);
                long hm = block + 16 * (g & 1);
                int j = (g >>> 1) & 3;
                int bit = 4 * (g >>> 3) + j;
                for (int l = 0; l < 16; l++) {
                    int q = ((QuantLanes.u8(data, qs + l) >>> (2 * j)) & 3) - (((QuantLanes.u8(data, hm + l) >>> bit) & 1) == 0 ? 4 : 0);
                    dst[offset + 256 * b + 16 * g + l] = dl * q;
                }
            }
        }
    }
}
