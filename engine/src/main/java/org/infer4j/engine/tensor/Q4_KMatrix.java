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
 * Kernel: the input's int8 values are decoded to floats once per token ({@link Activations#q8kFloats()}), so the
 * row loop reads them with plain float loads; each load of 16 packed bytes gives the lanes of two sub-blocks (and,
 * shift, convert), multiplied in float lanes, where the products and their sums stay exact integers. One row at a
 * time, in two parts: the scalar part ({@link #rowFactors}: scales as floats, the mins) and the vector part
 * ({@link #scaledSums}), written with Vector API calls only, because C2 inlines ordinary methods only up to a
 * node budget per compilation and a helper left out there would box the vectors it takes or returns. For the same
 * reason the vector part hands its result over as stored lanes ({@link Kernels#sumLanes}), never as a vector.
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

    /** One vector of lanes to sum, then per super-block of a row its eight sub-block scales and {@code d}·input scale. */
    @Override
    public int scratchFloats() {
        return Kernels.LANES + 9 * (cols / 256);
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, float[] scratch) {
        if (x.tokens() > 1) {
            TileGemm.multiply(this, x, out, outOffset, outStride, rowFrom, rowTo, scratch);
            return;
        }
        float[] xf = x.q8kFloats();
        float[] xd = x.q8kScales();
        int[] xsums = x.q8kSums();
        int blocks = cols / 256;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            float mins = rowFactors(data, r * rowBytes, blocks, xd, xsums, scratch, Kernels.LANES);
            scaledSums(data, r * rowBytes, blocks, xf, scratch, Kernels.LANES, scratch, 0);
            out[outOffset + r] = Kernels.sumLanes(scratch, 0) - mins;
        }
    }

    /**
     * The scalar part of one row · one token: each super-block's eight 6-bit scales as floats into
     * {@code factors[at + 8b ..]} and {@code d}·(input scale) into {@code factors[at + 8·blocks + b]}; returns the mins'
     * part, Σ_b dmin·(input scale)·Σ_s m_s·(input sum of sub-block s), whose inner sums are exact integers.
     */
    static float rowFactors(MemorySegment w, long row, int blocks, float[] xd, int[] xsums, float[] factors, int at) {
        float mins = 0;
        for (int b = 0; b < blocks; b++) {
            long block = row + (long) BLOCK_BYTES * b;
            long scales = KQuantLanes.k4Scales(w, block + 4);
            for (int s = 0; s < 8; s++) {
                factors[at + 8 * b + s] = KQuantLanes.at(scales, s);
            }
            float scale = xd[b];
            factors[at + 8 * blocks + b] = scale * QuantLanes.half(w, block);
            mins += scale * QuantLanes.half(w, block + 2) * KQuantLanes.minTerm(KQuantLanes.k4Mins(w, block + 4), xsums, 16 * b);
        }
        return mins;
    }

    /**
     * The vector part of one row · one token: Σ_b d·xd_b·Σ_s sc_s·(Σ q·x over sub-block s), with the factors from
     * {@link #rowFactors} and {@code x} the token's int8 input as floats; the lanes to sum go to {@code lanes[out ..]}.
     * Each 32 bytes of nibbles give sub-blocks 2j (low) and 2j+1 (high), Σq·x in float lanes (exact integers).
     * Written with Vector API calls and array reads only, the four runs of 32 bytes spelled out: in a body this
     * large C2 stops inlining ordinary calls (its node budget), and a vector passed to one is boxed; a loop over
     * the runs stays a loop (past the unrolling limit) whose index and bounds work cost as much as the vectors.
     */
    static void scaledSums(MemorySegment w, long row, int blocks, float[] x, float[] factors, int at, float[] lanes, int out) {
        // The row as its own segment, indexed by int offsets: C2 then removes the bounds checks from the loop; with
        // long offsets into the whole file it kept a dozen instructions of checks per load.
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int q = BLOCK_BYTES * b + 16;
            int xo = 256 * b;
            int f = at + 8 * b;
            FloatVector low = FloatVector.zero(Kernels.FLOATS), high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + c), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32 + c), high);
            }
            FloatVector acc = low.mul(factors[f]);
            FloatVector acc2 = high.mul(factors[f + 1]);
            low = FloatVector.zero(Kernels.FLOATS);
            high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + 32 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 64 + c), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 96 + c), high);
            }
            acc = low.fma(FloatVector.broadcast(Kernels.FLOATS, factors[f + 2]), acc);
            acc2 = high.fma(FloatVector.broadcast(Kernels.FLOATS, factors[f + 3]), acc2);
            low = FloatVector.zero(Kernels.FLOATS);
            high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + 64 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 128 + c), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 160 + c), high);
            }
            acc = low.fma(FloatVector.broadcast(Kernels.FLOATS, factors[f + 4]), acc);
            acc2 = high.fma(FloatVector.broadcast(Kernels.FLOATS, factors[f + 5]), acc2);
            low = FloatVector.zero(Kernels.FLOATS);
            high = low;
            for (int c = 0; c < 32; c += Kernels.LANES) {
                IntVector n = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, q + 96 + c, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                low = ((FloatVector) n.and(0x0F).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 192 + c), low);
                high = ((FloatVector) n.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 224 + c), high);
            }
            acc = low.fma(FloatVector.broadcast(Kernels.FLOATS, factors[f + 6]), acc);
            acc2 = high.fma(FloatVector.broadcast(Kernels.FLOATS, factors[f + 7]), acc2);
            sum = acc.add(acc2).fma(FloatVector.broadcast(Kernels.FLOATS, factors[at + 8 * blocks + b]), sum);
        }
        sum.intoArray(lanes, out);
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
