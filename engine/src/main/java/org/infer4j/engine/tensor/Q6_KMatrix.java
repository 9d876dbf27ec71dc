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
 * <p>
 * Kernel: as {@link Q4_KMatrix}'s, in float lanes against the input decoded once per call; each load of low
 * nibbles serves two groups, and groups alternate between two accumulators so that the chain of fused
 * multiply-adds is not the bound (one chain measured half the speed).
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

    /** A super-block's sixteen group scales as floats ({@link #dot}). */
    @Override
    public int scratchFloats() {
        return 16;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, float[] scratch) {
        if (x.tokens() > 1) {
            TileGemm.multiply(this, x, out, outOffset, outStride, rowFrom, rowTo, scratch);
            return;
        }
        MemorySegment xf = x.q8kFloats();
        float[] xd = x.q8kScales();
        int[] xsums = x.q8kSums();
        int blocks = cols / 256;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOffset + r] = dot(data, r * rowBytes, blocks, xf, xd, xsums, scratch, 0);
        }
    }

    /**
     * One row · one token. {@code x} is the token's int8 input as floats, {@code xd}/{@code xsums} its super-block
     * scales and 16-value sums. Per super-block, in float lanes (exact integers): Σ sc·q·x over the groups with q
     * unsigned (0..63), plus the offset of q - 32 as {@code -32·Σ sc·(group's input sum)}, times {@code d};
     * {@code lanes[scales ..]} holds a super-block's sixteen scales as floats. Byte c.. of a half's 32 bytes of high bit pairs serves element c.. of each of
     * its four runs of 32 weights (p = 0..3: group 8h + 2p + c/16), bits 2p..2p+1; runs p and p + 2 share the bytes
     * of low nibbles at 32·(p & 1). Written as {@link Q4_KMatrix#dot} is, and for the same reasons: the row as its
     * own segment at int offsets, Vector API calls and plain arithmetic only, the halves and runs spelled out.
     */
    static float dot(MemorySegment w, long row, int blocks, MemorySegment x, float[] xd, int[] xsums, float[] lanes, int scales) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            int xo = 256 * b;
            // The sixteen int8 group scales as floats, stored so that each group's broadcast is one load; and the
            // offset of q - 32, -32·Σ sc·(group's input sum), in the lanes (exact integers).
            FloatVector acc = FloatVector.zero(Kernels.FLOATS), acc2 = acc;
            for (int g = 0; g < 16; g += Kernels.LANES) {
                FloatVector sc = (FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 192 + g, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
                sc.intoArray(lanes, scales + g);
                acc = sc.fma(((FloatVector) IntVector.fromArray(Kernels.INTS, xsums, 16 * b + g).convert(VectorOperators.I2F, 0))
                        .mul(-32f), acc);
            }
            float scale = xd[b] * Float.float16ToFloat(r.get(Kernels.HALF, block + 208));
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector high = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 128 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                IntVector low, q, q2;
                low = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 0 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                q = low.and(0x0F).or(high.lanewise(VectorOperators.LSHL, 4).and(0x30));
                q2 = low.lanewise(VectorOperators.LSHR, 4).or(high.and(0x30));
                acc = ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 0 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 0 + c / 16]), acc);
                acc2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 64 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 4 + c / 16]), acc2);
                low = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 32 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                q = low.and(0x0F).or(high.lanewise(VectorOperators.LSHL, 2).and(0x30));
                q2 = low.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHR, 2).and(0x30));
                acc = ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 32 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 2 + c / 16]), acc);
                acc2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 96 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 6 + c / 16]), acc2);
            }
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector high = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 160 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                IntVector low, q, q2;
                low = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 64 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                q = low.and(0x0F).or(high.lanewise(VectorOperators.LSHL, 4).and(0x30));
                q2 = low.lanewise(VectorOperators.LSHR, 4).or(high.and(0x30));
                acc = ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 128 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 8 + c / 16]), acc);
                acc2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 192 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 12 + c / 16]), acc2);
                low = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 96 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                q = low.and(0x0F).or(high.lanewise(VectorOperators.LSHL, 2).and(0x30));
                q2 = low.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHR, 2).and(0x30));
                acc = ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 160 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 10 + c / 16]), acc);
                acc2 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 224 + c), Kernels.LE))
                        .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 14 + c / 16]), acc2);
            }
            sum = acc.add(acc2).fma(FloatVector.broadcast(Kernels.FLOATS, scale), sum);
        }
        // Σ of the lanes in Kernels.sum's order, written out: a call would box the vector in a body this large.
        if (Kernels.LANES == 16) {
            sum = sum.add(sum.rearrange(Kernels.SWAP_8));
        }
        sum = sum.add(sum.rearrange(Kernels.SWAP_4));
        sum = sum.add(sum.rearrange(Kernels.SWAP_2));
        sum = sum.add(sum.rearrange(Kernels.SWAP_1));
        return sum.lane(0);
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
