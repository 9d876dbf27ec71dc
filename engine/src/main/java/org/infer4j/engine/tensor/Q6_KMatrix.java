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

    /** The input decoded to floats (one token's row), then one vector of lanes to sum ({@link Kernels#sumLanes}). */
    @Override
    public int scratchFloats() {
        return cols + Kernels.LANES;
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
        int blocks = cols / 256;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        // One token: a batch went to TileGemm above.
        KQuantLanes.toFloats(xq, 0, scratch, cols);
        for (int r = rowFrom; r < rowTo; r++) {
            dot(data, r * rowBytes, blocks, scratch, xd, xsums, 0, scratch, cols);
            out[outOffset + r] = Kernels.sumLanes(scratch, cols);
        }
    }

    /**
     * One row · one token. {@code x} is the token's int8 input as floats, {@code xd}/{@code xsums} its super-block
     * scales and 16-value sums from super-block {@code so}. Per super-block, in float lanes (exact integers):
     * Σ sc·q·x over the groups with q unsigned (0..63), plus the offset of q - 32 as {@code -32·Σ sc·(group's
     * input sum)}; then times {@code d}.
     * The lanes to sum are stored at {@code lanes[at ..]}.
     */
    static void dot(MemorySegment w, long row, int blocks, float[] x, float[] xd, int[] xsums, int so, float[] lanes, int at) {
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) BLOCK_BYTES * b;
            FloatVector acc = FloatVector.zero(Kernels.FLOATS);
            for (int g = 0; g < 16; g += Kernels.LANES) {
                FloatVector offset = KQuantLanes.floats(IntVector.fromArray(Kernels.INTS, xsums, 16 * (so + b) + g)).mul(-32f);
                acc = KQuantLanes.signedFloats(w, block + 192 + g).fma(offset, acc);
            }
            FloatVector acc2 = FloatVector.zero(Kernels.FLOATS);
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    // Byte c.. of this half's 32 bytes of high bit pairs serves element c.. of each of its four
                    // runs of 32 weights (p = 0..3: group 8h + 2p + c/16), bits 2p..2p+1; runs p and p + 2 share
                    // the bytes of low nibbles at 32·(p & 1).
                    IntVector high = KQuantLanes.unsigned(w, block + 128 + 32 * h + c);
                    for (int p = 0; p < 2; p++) {
                        IntVector low = KQuantLanes.unsigned(w, block + 64 * h + 32 * p + c);
                        IntVector q = low.and(0x0F).or(high.lanewise(VectorOperators.LSHL, 4 - 2 * p).and(0x30));
                        IntVector q2 = low.lanewise(VectorOperators.LSHR, 4).or(high.lanewise(VectorOperators.LSHR, 2 * p).and(0x30));
                        int xo = 256 * b + 128 * h + 32 * p + c;
                        long g = block + 192 + 8 * h + 2 * p + c / 16;
                        acc = KQuantLanes.floats(q).mul(FloatVector.fromArray(Kernels.FLOATS, x, xo))
                                .fma(KQuantLanes.splat(w.get(ValueLayout.JAVA_BYTE, g)), acc);
                        acc2 = KQuantLanes.floats(q2).mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + 64))
                                .fma(KQuantLanes.splat(w.get(ValueLayout.JAVA_BYTE, g + 4)), acc2);
                    }
                }
            }
            acc = acc.add(acc2);
            sum = acc.fma(KQuantLanes.splat(xd[so + b] * QuantLanes.half(w, block + 208)), sum);
        }
        sum.intoArray(lanes, at);
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
