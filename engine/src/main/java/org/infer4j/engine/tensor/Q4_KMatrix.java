package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Super-blocks of 256 weights in 8 sub-blocks of 32, weight {@code d·sc·q - dmin·m} with 4-bit q: half d, half
 * dmin, 12 bytes of 6-bit scales and mins ({@link QuantLanes#k4Scale}), 128 bytes of nibbles — 144 bytes.
 * Sub-block s reads the low (s even) or high (s odd) nibbles of bytes {@code 32·(s/2) ..+32}. Multiplies Q8_K
 * input: exact integer sums per super-block, the mins through the input's 16-value sums.
 * <p>
 * Kernel: the input's int8 values are decoded to floats once per call (per token), so the row loop reads them
 * with plain float loads; each load of 16 packed bytes gives the lanes of two sub-blocks (and, shift, convert),
 * multiplied in float lanes, where the products and their sums stay exact integers. This replaced an integer
 * kernel that widened both operands through 32-bit lanes and multiplied with {@code vpmulld}: 2.5-3x faster
 * for one token. Rows run in pairs sharing the input's loads ({@link #dotRows2}); the pair's sub-block sums are
 * their own method written with Vector API calls only, because C2 inlines ordinary methods only up to a node
 * budget per compilation and a helper left out there would box the vectors it takes or returns. For the same
 * reason the kernels hand their results over as stored lanes ({@link Kernels#sumLanes}), never as vectors.
 * Each super-block's scales are stored as floats in scratch so that a sub-block's broadcast is one load.
 */
public record Q4_KMatrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 144;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_K;
    }

    /** The input decoded to floats (one token's row), then two rows' vectors of lanes to sum and of sub-block scales. */
    @Override
    public int scratchFloats() {
        return cols + 4 * Kernels.LANES;
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
        int r = rowFrom;
        for (; r + 1 < rowTo; r += 2) {
            dotRows2(data, r * rowBytes, (r + 1) * rowBytes, blocks, scratch, xd, xsums, 0, scratch, cols);
            out[outOffset + r] = Kernels.sumLanes(scratch, cols);
            out[outOffset + r + 1] = Kernels.sumLanes(scratch, cols + Kernels.LANES);
        }
        if (r < rowTo) {
            dot(data, r * rowBytes, blocks, scratch, xd, xsums, 0, scratch, cols);
            out[outOffset + r] = Kernels.sumLanes(scratch, cols);
        }
    }

    /**
     * One row · one token. {@code x} is the token's int8 input as floats, {@code xd}/{@code xsums} its super-block
     * scales and 16-value sums from super-block {@code so}. Per super-block: the sub-block sums Σq·x in float lanes
     * (exact integers), times their scales into one exact lane sum, times {@code d}; the mins through the input sums.
     * The lanes to sum are stored at {@code lanes[at ..]}; the next {@link Kernels#LANES} floats hold the scales.
     */
    static void dot(MemorySegment w, long row, int blocks, float[] x, float[] xd, int[] xsums, int so, float[] lanes, int at) {
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        int scales = at + Kernels.LANES;
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) BLOCK_BYTES * b;
            // The eight scales as floats in scratch, so each sub-block's broadcast is one load (vbroadcastss) rather
            // than a lane shuffle: measured ~25% of the kernel's time.
            KQuantLanes.bytes(KQuantLanes.k4Scales(w, block + 4)).intoArray(lanes, scales);
            FloatVector acc = FloatVector.zero(Kernels.FLOATS);
            FloatVector acc2 = acc;
            for (int j = 0; j < 4; j++) {
                // 32 bytes of nibbles: sub-block 2j in the low nibbles, 2j+1 in the high ones.
                FloatVector low = FloatVector.zero(Kernels.FLOATS), high = low;
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    int xo = 256 * b + 64 * j + c;
                    IntVector q = KQuantLanes.unsigned(w, block + 16 + 32 * j + c);
                    low = KQuantLanes.floats(q.and(0x0F)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo), low);
                    high = KQuantLanes.floats(q.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32), high);
                }
                acc = low.fma(KQuantLanes.splat(lanes[scales + 2 * j]), acc);
                acc2 = high.fma(KQuantLanes.splat(lanes[scales + 2 * j + 1]), acc2);
            }
            acc = acc.add(acc2);
            // The mins: -dmin·Σ m_s·(input sum of sub-block s), from the input's sums of 16 (two per sub-block).
            long mins = KQuantLanes.k4Mins(w, block + 4);
            float scale = xd[so + b];
            FloatVector minTerm = FloatVector.zero(Kernels.FLOATS);
            for (int g = 0; g < 16; g += Kernels.LANES) {
                FloatVector sums = KQuantLanes.floats(IntVector.fromArray(Kernels.INTS, xsums, 16 * (so + b) + g));
                minTerm = KQuantLanes.pairedBytes(mins, g).fma(sums, minTerm);
            }
            sum = acc.fma(KQuantLanes.splat(scale * QuantLanes.half(w, block)), sum);
            sum = minTerm.fma(KQuantLanes.splat(-scale * QuantLanes.half(w, block + 2)), sum);
        }
        sum.intoArray(lanes, at);
    }

    /**
     * Rows {@code a} and {@code b} · one token, each exactly as {@link #dot} (the same operations, so the same
     * bits), sharing the loads of the input: lanes to sum at {@code lanes[at ..]} and {@code lanes[at + LANES ..]}.
     * The sub-block sums are a separate call ({@link #scaledSums2}) that hands its vectors over through scratch:
     * in one method the two rows' body passed C2's node budget for inlining, and the calls left out allocated.
     */
    static void dotRows2(MemorySegment w, long a, long b2, int blocks, float[] x, float[] xd, int[] xsums, int so,
                         float[] lanes, int at) {
        FloatVector sumA = FloatVector.zero(Kernels.FLOATS), sumB = sumA;
        for (int b = 0; b < blocks; b++) {
            long blockA = a + (long) BLOCK_BYTES * b;
            long blockB = b2 + (long) BLOCK_BYTES * b;
            scaledSums2(w, blockA, blockB, x, 256 * b, lanes, at);
            FloatVector accA = FloatVector.fromArray(Kernels.FLOATS, lanes, at);
            FloatVector accB = FloatVector.fromArray(Kernels.FLOATS, lanes, at + Kernels.LANES);
            long minsA = KQuantLanes.k4Mins(w, blockA + 4);
            long minsB = KQuantLanes.k4Mins(w, blockB + 4);
            float scale = xd[so + b];
            FloatVector minTermA = FloatVector.zero(Kernels.FLOATS), minTermB = minTermA;
            for (int g = 0; g < 16; g += Kernels.LANES) {
                FloatVector sums = KQuantLanes.floats(IntVector.fromArray(Kernels.INTS, xsums, 16 * (so + b) + g));
                minTermA = KQuantLanes.pairedBytes(minsA, g).fma(sums, minTermA);
                minTermB = KQuantLanes.pairedBytes(minsB, g).fma(sums, minTermB);
            }
            sumA = accA.fma(KQuantLanes.splat(scale * QuantLanes.half(w, blockA)), sumA);
            sumA = minTermA.fma(KQuantLanes.splat(-scale * QuantLanes.half(w, blockA + 2)), sumA);
            sumB = accB.fma(KQuantLanes.splat(scale * QuantLanes.half(w, blockB)), sumB);
            sumB = minTermB.fma(KQuantLanes.splat(-scale * QuantLanes.half(w, blockB + 2)), sumB);
        }
        sumA.intoArray(lanes, at);
        sumB.intoArray(lanes, at + Kernels.LANES);
    }

    /**
     * Two rows' super-blocks at {@code blockA}/{@code blockB} against the input from {@code x[xo]}: Σ_s sc_s·(Σ q·x
     * of sub-block s) in float lanes (exact integers), as {@link #dot} forms them, stored to {@code lanes[at ..]}
     * and {@code lanes[at + LANES ..]}; the rows' scales go in the next two vectors.
     */
    static void scaledSums2(MemorySegment w, long blockA, long blockB, float[] x, int xo, float[] lanes, int at) {
        int scalesA = at + 2 * Kernels.LANES, scalesB = at + 3 * Kernels.LANES;
        KQuantLanes.k4ScalesInto(w, blockA + 4, lanes, scalesA);
        KQuantLanes.k4ScalesInto(w, blockB + 4, lanes, scalesB);
        // Vector API calls only (always inlined): this body is near C2's node budget, past which an ordinary
        // helper taking or returning a vector would not be inlined, and its vectors would be allocated.
        FloatVector accA = FloatVector.zero(Kernels.FLOATS), accA2 = accA, accB = accA, accB2 = accA;
        for (int j = 0; j < 4; j++) {
            FloatVector lowA = FloatVector.zero(Kernels.FLOATS), highA = lowA, lowB = lowA, highB = lowA;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                FloatVector xl = FloatVector.fromArray(Kernels.FLOATS, x, xo + 64 * j + c);
                FloatVector xh = FloatVector.fromArray(Kernels.FLOATS, x, xo + 64 * j + c + 32);
                IntVector qA = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, w, blockA + 16 + 32 * j + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                IntVector qB = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, w, blockB + 16 + 32 * j + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                lowA = ((FloatVector) qA.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, lowA);
                highA = ((FloatVector) qA.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, highA);
                lowB = ((FloatVector) qB.and(0x0F).convert(VectorOperators.I2F, 0)).fma(xl, lowB);
                highB = ((FloatVector) qB.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, highB);
            }
            accA = lowA.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scalesA + 2 * j]), accA);
            accA2 = highA.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scalesA + 2 * j + 1]), accA2);
            accB = lowB.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scalesB + 2 * j]), accB);
            accB2 = highB.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scalesB + 2 * j + 1]), accB2);
        }
        accA.add(accA2).intoArray(lanes, at);
        accB.add(accB2).intoArray(lanes, at + Kernels.LANES);
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
                    long qs = block + 16 + 32 * (s >>> 1);
                    int shift = 4 * (s & 1);
                    for (int c = 0; c < 32; c += Kernels.LANES) {
                        IntVector q = QuantLanes.widen(QuantLanes.bytes(data, qs + c)).lanewise(VectorOperators.ASHR, shift).and(0x0F);
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
                long qs = block + 16 + 32 * (s >>> 1);
                int shift = 4 * (s & 1);
                for (int l = 0; l < 32; l++) {
                    dst[offset + 256 * b + 32 * s + l] = dl * ((QuantLanes.u8(data, qs + l) >>> shift) & 0x0F) - ml;
                }
            }
        }
    }
}
