package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.infer4j.gguf.GgmlType;

/**
 * Super-blocks of 256 weights in 8 sub-blocks of 32, weight {@code d·sc·q - dmin·m} with 4-bit q: half d, half
 * dmin, 12 bytes of 6-bit scales and mins ({@link QuantLanes#k4Scale}), 128 bytes of nibbles — 144 bytes.
 * Sub-block s reads the low (s even) or high (s odd) nibbles of bytes {@code 32·(s/2) ..+32}. Multiplies Q8_K
 * input: exact integer sums per super-block, the mins through the input's 16-value sums.
 * <p>
 * Kernel: the input's int8 values are decoded to floats once per token ({@link Activations#q8kFloats()}), so the
 * row loop reads them with plain float loads; each load of 16 packed bytes gives the lanes of two sub-blocks (and,
 * shift, convert), multiplied in float lanes, where the products and their sums stay exact integers. One row at a
 * time ({@link #dot}), written with Vector API calls and plain arithmetic only, because C2 inlines ordinary methods
 * only up to a node budget per compilation and a helper left out there would box the vectors it takes or returns.
 * For the same reason it sums its lanes itself, in {@link Kernels#sum}'s order.
 */
public record Q4_KMatrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 144;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Kernels.LE);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Kernels.LE);
    private static final ValueLayout.OfShort HALF = Kernels.HALF;
    /** Two longs: a super-block's eight scale bytes and eight min bytes. */
    private static final VectorSpecies<Long> PAIR = LongVector.SPECIES_128;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_K;
    }

    /** A super-block's eight scales and eight mins as floats ({@link #dot}). */
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
        float[] minSums = x.q8kMinSums();
        int blocks = cols / 256;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOffset + r] = dot(data, r * rowBytes, blocks, xf, xd, minSums, scratch, 0);
        }
    }

    /**
     * One row · one token: Σ_b d·xd_b·Σ_s sc_s·(Σ q·x over sub-block s) - Σ_b dmin·xd_b·Σ_s m_s·(input sum of
     * sub-block s), with {@code x} the token's int8 input as floats, {@code xd}/{@code xsums} its super-block scales
     * and 16-value sums. Each 32 bytes of nibbles give sub-blocks 2j (low) and 2j+1 (high), Σq·x in float
     * lanes (exact integers); the scales and mins are unpacked with scalar code in the same loop, which runs beside
     * the vector work. Written with Vector API calls, plain loads and arithmetic only, the four runs of 32 bytes
     * spelled out: in a body this large C2 stops inlining ordinary calls (its node budget), and a vector passed to
     * one is boxed; a loop over the runs stays a loop (past the unrolling limit) whose index and bounds work cost
     * as much as the vectors. The row is its own segment read at int offsets, so the bounds checks leave the loop.
     */
    static float dot(MemorySegment w, long row, int blocks, MemorySegment x, float[] xd, float[] minSums, float[] lanes, int at) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        FloatVector mins = sum;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            // 12 bytes at block + 4: scales 0..3 and mins 0..3 in the low 6 bits of bytes 0..3 and 4..7; scales and
            // mins 4..7 from the nibbles of bytes 8..11 plus the top 2 bits of bytes 0..3 / 4..7 (QuantLanes#k4Scale).
            long u = r.get(LONG, block + 4);
            int u0 = (int) u, u1 = (int) (u >>> 32), u2 = r.get(INT, block + 12);
            long scales = (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | ((u0 >>> 2) & 0x30303030)) << 32;
            long mins8 = (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 2) & 0x30303030)) << 32;
            // The eight scales then the eight mins as floats: stored, so each scale's broadcast below is one load;
            // times the input's sub-block sums (zeros under the scales) they give the mins' products, in lanes.
            ByteVector packed = LongVector.broadcast(PAIR, scales).withLane(1, mins8).reinterpretAsBytes();
            float scale = xd[b];
            FloatVector minScale = FloatVector.broadcast(Kernels.FLOATS, scale * Float.float16ToFloat(r.get(HALF, block + 2)));
            for (int g = 0; g < 16; g += Kernels.LANES) {
                FloatVector f = (FloatVector) ((IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, g / Kernels.LANES))
                        .convert(VectorOperators.I2F, 0);
                f.intoArray(lanes, at + g);
                mins = f.mul(FloatVector.fromArray(Kernels.FLOATS, minSums, 16 * b + g)).fma(minScale, mins);
            }
            int q = block + 16;
            int xo = 256 * b;
            FloatVector low = FloatVector.zero(Kernels.FLOATS), high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + c), Kernels.LE), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 32 + c), Kernels.LE), high);
            }
            FloatVector acc = low.mul(lanes[at]);
            FloatVector acc2 = high.mul(lanes[at + 1]);
            low = FloatVector.zero(Kernels.FLOATS);
            high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + 32 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 64 + c), Kernels.LE), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 96 + c), Kernels.LE), high);
            }
            acc = low.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[at + 2]), acc);
            acc2 = high.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[at + 3]), acc2);
            low = FloatVector.zero(Kernels.FLOATS);
            high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + 64 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 128 + c), Kernels.LE), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 160 + c), Kernels.LE), high);
            }
            acc = low.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[at + 4]), acc);
            acc2 = high.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[at + 5]), acc2);
            low = FloatVector.zero(Kernels.FLOATS);
            high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + 96 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 192 + c), Kernels.LE), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, 4L * (xo + 224 + c), Kernels.LE), high);
            }
            acc = low.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[at + 6]), acc);
            acc2 = high.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[at + 7]), acc2);
            sum = acc.add(acc2).fma(FloatVector.broadcast(Kernels.FLOATS, scale * Float.float16ToFloat(r.get(HALF, block))), sum);
        }
        sum = sum.sub(mins);
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
