package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.infer4j.gguf.GgmlType;

/**
 * Super-blocks of 256 weights in 8 sub-blocks of 32, weight {@code d·sc·q - dmin·m} with 4-bit q: half d, half
 * dmin, 12 bytes of 6-bit scales and mins ({@link QuantLanes#k4Scale}), 128 bytes of nibbles — 144 bytes.
 * Sub-block s reads the low (s even) or high (s odd) nibbles of bytes {@code 32·(s/2) ..+32}. Multiplies Q8_K
 * input: exact integer sums per super-block, the mins through the input's 16-value sums.
 * <p>
 * Kernel: the input's int8 values are decoded to floats once per token, in the order the kernel meets the weights
 * ({@link Activations#q4kFloats()}), so the row loop reads them with plain float loads; each load of packed bytes
 * is taken as int lanes of eight nibbles, and each nibble becomes the float 16 + n by bit operations alone
 * ({@link #dot}), multiplied in float lanes, where the products and their sums stay exact integers. One row at a
 * time; the body is Vector API calls and plain arithmetic only, because C2 inlines ordinary methods only up to a
 * node budget per compilation and a helper left out there would box the vectors it takes or returns. For the same
 * reason it sums its lanes itself, in {@link Kernels#sum}'s order. A batch sums each sub-block in int16 lanes
 * ({@link Int16Gemm}, {@link #int16Tile}).
 */
public record Q4_KMatrix(String name, MemorySegment data, int rows, int cols, InterleavedQ4_K groups)
        implements RelaidMatrix, Int16Tiles {
    private static final int BLOCK_BYTES = 144;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Kernels.LE);
    private static final ValueLayout.OfShort HALF = Kernels.HALF;
    /** Two longs: a super-block's eight scale bytes and eight min bytes. */
    private static final VectorSpecies<Long> PAIR = LongVector.SPECIES_128;

    /**
     * Wraps the file's bytes, and re-lays its whole groups of 32 rows for the one-token kernel
     * ({@link InterleavedQ4_K}; none where the vectors are narrower than 512 bits).
     */
    public Q4_KMatrix(String name, MemorySegment data, int rows, int cols) {
        this(name, data, rows, cols, RelaidCopies.IN_MEMORY);
    }

    /** As {@link #Q4_KMatrix(String, MemorySegment, int, int)}, the re-laid groups from {@code copies}. */
    public Q4_KMatrix(String name, MemorySegment data, int rows, int cols, RelaidCopies copies) {
        this(name, data, rows, cols, InterleavedQ4_K.of(data, rows, cols, copies));
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_K;
    }

    @Override
    public int scratchFloats() {
        return RowGroups.GROUP;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, Scratch scratch) {
        if (x.tokens() > 1) {
            Int16Gemm.multiply(this, x, out, outOffset, outStride, rowFrom, rowTo, scratch);
            return;
        }
        if (groups != null) {
            rowFrom = groups.multiplyRange(x, out, outOffset, rowFrom, rowTo, scratch.floats());
            if (rowFrom == rowTo) {
                return;
            }
        }
        float[] xd = x.q8kScales();
        float[] minSums = x.q8kMinSums();
        float[] bias = x.q4kBias();
        int blocks = cols / 256;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        if (cols > Kernels.LONG_ROW) {
            byte[] xb = x.q4kBytes();
            for (int r = rowFrom; r < rowTo; r++) {
                out[outOffset + r] = dotBytes(data, r * rowBytes, blocks, xb, xd, minSums, bias);
            }
            return;
        }
        MemorySegment xf = x.q4kFloats();
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOffset + r] = dot(data, r * rowBytes, blocks, xf, xd, minSums, bias);
        }
    }

    /**
     * Where each input value goes in {@link Activations#q4kFloats()}: the order in which {@link #dot} meets the
     * weights. One load of {@code 4·LANES} bytes of nibbles gives lane i the four bytes {@code 4i..4i+3}, that is
     * eight nibbles; nibble t (bits 4t..4t+3) of every lane forms one vector of weights. Position
     * {@code (8·chunk + t)·LANES + i} of a super-block holds the input value of the weight there: byte
     * {@code j = 4·LANES·chunk + 4i + t/2}, low nibble (t even) for element {@code 64·(j/32) + j%32}, high for 32 more.
     */
    static final int[] NIBBLE_ORDER = nibbleOrder();

    private static int[] nibbleOrder() {
        int[] order = new int[256];
        for (int chunk = 0; chunk < 128 / (4 * Kernels.LANES); chunk++) {
            for (int t = 0; t < 8; t++) {
                for (int i = 0; i < Kernels.LANES; i++) {
                    int j = 4 * Kernels.LANES * chunk + 4 * i + t / 2;
                    order[(8 * chunk + t) * Kernels.LANES + i] = 64 * (j / 32) + 32 * (t % 2) + j % 32;
                }
            }
        }
        return order;
    }

    /** For each (chunk, nibble parity) of {@link #dot}: lane i picks the scale of its weights' sub-block. */
    private static final VectorShuffle<Float>[] SCALE_PICK = scalePicks();
    // Read through these constants with constant indices (the loop over loads unrolls): a shuffle loaded from an
    // array element was, in some JVM runs, not compiled to the vector instruction (see Q6_KMatrix).
    private static final VectorShuffle<Float> PICK_0 = SCALE_PICK[0], PICK_1 = SCALE_PICK[1], PICK_2 = SCALE_PICK[2],
            PICK_3 = SCALE_PICK[3], PICK_4 = SCALE_PICK[4 % SCALE_PICK.length], PICK_5 = SCALE_PICK[5 % SCALE_PICK.length],
            PICK_6 = SCALE_PICK[6 % SCALE_PICK.length], PICK_7 = SCALE_PICK[7 % SCALE_PICK.length];

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] scalePicks() {
        int chunks = 128 / (4 * Kernels.LANES);
        VectorShuffle<Float>[] picks = new VectorShuffle[2 * chunks];
        for (int k = 0; k < 2 * chunks; k++) {
            int chunk = k / 2, parity = k % 2;
            picks[k] = VectorShuffle.fromOp(Kernels.FLOATS, i -> 2 * ((4 * Kernels.LANES * chunk + 4 * i) / 32) + parity);
        }
        return picks;
    }

    /** Float bits of 16.0: with a nibble n in mantissa bits 19..22 the float is 16 + n exactly. */
    private static final int SIXTEEN = 0x41800000;
    private static final int NIBBLE_BITS = 0x0F << 19;

    /**
     * One row · one token: Σ_b d·xd_b·Σ_s sc_s·(Σ q·x over sub-block s) - Σ_b dmin·xd_b·Σ_s m_s·(input sum of
     * sub-block s), with {@code x} the token's int8 input as floats in {@link #NIBBLE_ORDER}, {@code xd} its
     * super-block scales, {@code minSums} and {@code bias} its sub-block sums as {@link Activations#q8kMinSums()} and
     * {@link Activations#q4kBias()} lay them out.
     * <p>
     * No widening and no int-to-float conversion: each load of packed bytes is taken as int lanes of eight nibbles,
     * and nibble t becomes the float 16 + n by moving it to mantissa bits 19..22 (one shift) and setting the bits
     * of 16.0 (one AND-OR, which C2 fuses into one instruction). Those two cheap integer instructions replace
     * a widening shuffle and a conversion per 16 weights, which bound the earlier kernel. The 16 per weight comes
     * back out exactly: {@code bias} holds -16·(sub-block's input sum), which times the scales starts the sum.
     * Every product and partial sum is an integer below 2^24, so the float lanes are exact, and the super-block's
     * integer total is the same as summing q·x one by one. Lanes hold weights of two sub-blocks (512-bit loads span
     * two runs of 32 bytes), so each parity's sum is scaled per lane ({@link #SCALE_PICK}).
     * <p>
     * Measured against the widen-and-convert kernel, one thread, from L2 and from memory alike: 7.2 -> 7.9 GB/s (that is still ~55 cycles per super-block, bound by the 512-bit vector work, which Zen 4
     * issues as two halves). The row is its own segment read at int offsets, so the bounds checks leave the loop.
     */
    static float dot(MemorySegment w, long row, int blocks, MemorySegment x, float[] xd, float[] minSums, float[] bias) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        FloatVector mins = sum;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            // 12 bytes at block + 4: scales 0..3 and mins 0..3 in the low 6 bits of bytes 0..3 and 4..7; scales and
            // mins 4..7 from the nibbles of bytes 8..11 plus the top 2 bits of bytes 0..3 / 4..7 (QuantLanes#k4Scale).
            // Unpacked here, not in a helper: C2 left such a helper out of line in some JVM runs (a quarter slower).
            long u = r.get(LONG, block + 4);
            int u0 = (int) u, u1 = (int) (u >>> 32), u2 = r.get(Kernels.INT, block + 12);
            long scales8 = (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | ((u0 >>> 2) & 0x30303030)) << 32;
            long mins8 = (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 2) & 0x30303030)) << 32;
            ByteVector packed = LongVector.broadcast(PAIR, scales8).withLane(1, mins8).reinterpretAsBytes();
            FloatVector scales = (FloatVector) ((IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0))
                    .convert(VectorOperators.I2F, 0);
            float scale = xd[b];
            FloatVector minScale = FloatVector.broadcast(Kernels.FLOATS, scale * Float.float16ToFloat(r.get(HALF, block + 2)));
            FloatVector acc = scales.mul(FloatVector.fromArray(Kernels.FLOATS, bias, 16 * b));
            mins = scales.mul(FloatVector.fromArray(Kernels.FLOATS, minSums, 16 * b)).fma(minScale, mins);
            if (Kernels.LANES < 16) {
                FloatVector m = (FloatVector) ((IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 1))
                        .convert(VectorOperators.I2F, 0);
                mins = m.mul(FloatVector.fromArray(Kernels.FLOATS, minSums, 16 * b + Kernels.LANES)).fma(minScale, mins);
            }
            // The input's offsets in int arithmetic too: as longs, C2 checked each of the 16 loads per 128 weights against
            // its own limit spilled to the stack (one thread: 7.7 -> 9.6 GB/s with the matrix in cache, 7.6 -> 9.2 from memory).
            int xo = 4 * 256 * b;
            for (int c = 0; c < 128; c += 4 * Kernels.LANES) {
                IntVector v = IntVector.fromMemorySegment(Kernels.INTS, r, block + 16 + c, Kernels.LE);
                int xc = xo + 8 * c;
                FloatVector even = v.lanewise(VectorOperators.LSHL, 19).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc, Kernels.LE));
                FloatVector odd = v.lanewise(VectorOperators.LSHL, 15).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 4 * Kernels.LANES, Kernels.LE));
                even = v.lanewise(VectorOperators.LSHL, 11).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 8 * Kernels.LANES, Kernels.LE), even);
                odd = v.lanewise(VectorOperators.LSHL, 7).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 12 * Kernels.LANES, Kernels.LE), odd);
                even = v.lanewise(VectorOperators.LSHL, 3).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 16 * Kernels.LANES, Kernels.LE), even);
                odd = v.lanewise(VectorOperators.LSHR, 1).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 20 * Kernels.LANES, Kernels.LE), odd);
                even = v.lanewise(VectorOperators.LSHR, 5).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 24 * Kernels.LANES, Kernels.LE), even);
                odd = v.lanewise(VectorOperators.LSHR, 9).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 28 * Kernels.LANES, Kernels.LE), odd);
                int k = c / (2 * Kernels.LANES);
                acc = even.fma(scales.rearrange(k == 0 ? PICK_0 : k == 2 ? PICK_2 : k == 4 ? PICK_4 : PICK_6), acc);
                acc = odd.fma(scales.rearrange(k == 0 ? PICK_1 : k == 2 ? PICK_3 : k == 4 ? PICK_5 : PICK_7), acc);
            }
            sum = acc.fma(FloatVector.broadcast(Kernels.FLOATS, scale * Float.float16ToFloat(r.get(HALF, block))), sum);
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

    /**
     * As {@link #dot}, the input as its int8 values in the same order, widened here: for rows past
     * {@link Kernels#LONG_ROW}, where float input would not stay in L1 beside the weight stream. The body is
     * {@link #dot}'s with only the input loads changed (a shared body would need a call per load, see the class
     * comment); both stay because where the floats fit they are faster: 2048-column rows from memory, one thread,
     * 7.8 GB/s against 6.9 with bytes.
     */
    static float dotBytes(MemorySegment w, long row, int blocks, byte[] x, float[] xd, float[] minSums, float[] bias) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        FloatVector mins = sum;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            // 12 bytes at block + 4: scales 0..3 and mins 0..3 in the low 6 bits of bytes 0..3 and 4..7; scales and
            // mins 4..7 from the nibbles of bytes 8..11 plus the top 2 bits of bytes 0..3 / 4..7 (QuantLanes#k4Scale).
            // Unpacked here, not in a helper: C2 left such a helper out of line in some JVM runs (a quarter slower).
            long u = r.get(LONG, block + 4);
            int u0 = (int) u, u1 = (int) (u >>> 32), u2 = r.get(Kernels.INT, block + 12);
            long scales8 = (u0 & 0x3F3F3F3FL) | (long) ((u2 & 0x0F0F0F0F) | ((u0 >>> 2) & 0x30303030)) << 32;
            long mins8 = (u1 & 0x3F3F3F3FL) | (long) (((u2 >>> 4) & 0x0F0F0F0F) | ((u1 >>> 2) & 0x30303030)) << 32;
            ByteVector packed = LongVector.broadcast(PAIR, scales8).withLane(1, mins8).reinterpretAsBytes();
            FloatVector scales = (FloatVector) ((IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0))
                    .convert(VectorOperators.I2F, 0);
            float scale = xd[b];
            FloatVector minScale = FloatVector.broadcast(Kernels.FLOATS, scale * Float.float16ToFloat(r.get(HALF, block + 2)));
            FloatVector acc = scales.mul(FloatVector.fromArray(Kernels.FLOATS, bias, 16 * b));
            mins = scales.mul(FloatVector.fromArray(Kernels.FLOATS, minSums, 16 * b)).fma(minScale, mins);
            if (Kernels.LANES < 16) {
                FloatVector m = (FloatVector) ((IntVector) packed.convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 1))
                        .convert(VectorOperators.I2F, 0);
                mins = m.mul(FloatVector.fromArray(Kernels.FLOATS, minSums, 16 * b + Kernels.LANES)).fma(minScale, mins);
            }
            int xo = 256 * b;
            for (int c = 0; c < 128; c += 4 * Kernels.LANES) {
                IntVector v = IntVector.fromMemorySegment(Kernels.INTS, r, block + 16 + c, Kernels.LE);
                int xe = xo + 2 * c;
                FloatVector even = v.lanewise(VectorOperators.LSHL, 19).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .mul(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)));
                FloatVector odd = v.lanewise(VectorOperators.LSHL, 15).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .mul(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 1 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)));
                even = v.lanewise(VectorOperators.LSHL, 11).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 2 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), even);
                odd = v.lanewise(VectorOperators.LSHL, 7).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 3 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), odd);
                even = v.lanewise(VectorOperators.LSHL, 3).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 4 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), even);
                odd = v.lanewise(VectorOperators.LSHR, 1).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 5 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), odd);
                even = v.lanewise(VectorOperators.LSHR, 5).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 6 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), even);
                odd = v.lanewise(VectorOperators.LSHR, 9).and(NIBBLE_BITS).or(SIXTEEN).reinterpretAsFloats()
                        .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 7 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), odd);
                int k = c / (2 * Kernels.LANES);
                acc = even.fma(scales.rearrange(k == 0 ? PICK_0 : k == 2 ? PICK_2 : k == 4 ? PICK_4 : PICK_6), acc);
                acc = odd.fma(scales.rearrange(k == 0 ? PICK_1 : k == 2 ? PICK_3 : k == 4 ? PICK_5 : PICK_7), acc);
            }
            sum = acc.fma(FloatVector.broadcast(Kernels.FLOATS, scale * Float.float16ToFloat(r.get(HALF, block))), sum);
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

    static {
        // Run each one-token kernel once, on a zero block, as the class initializes: every Vector API class its body
        // uses is then loaded before C2 compiles it. A compile that met a class not loaded yet left that operation
        // to the Vector API's Java fallback, which in some JVM runs made generation after a prompt up to 2.5x
        // slower (the output head's Q6_K kernel; which run depended on thread timing).
        // The weights native like the mapped ones: a heap segment here put a third segment class into the profiles of
        // the JDK code that every vector load shares, and C2 more often compiled the K-quant one-token kernels into
        // code 2-3x larger and slower (Q4_K_M tg128 after pp512 at 13.9-15.3 t/s instead of ~20 in 6 of 8 runs; 1 of 8
        // after. Not the whole cause: under a flight recorder the large Q6_K compile still shows in 5 of 8 runs).
        MemorySegment w = java.lang.foreign.Arena.ofAuto().allocate(144, 64);
        MemorySegment x = java.lang.foreign.Arena.ofAuto().allocate(4 * 256, 64); // native, as the real input
        dot(w, 0, 1, x, new float[1], new float[16], new float[16]);
        dotBytes(w, 0, 1, new byte[256], new float[1], new float[16], new float[16]);
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
    public boolean biased() {
        return true;
    }

    /**
     * Quants centred on 8 with their sub-block's scale {@code d·sc}, and as bias what the centring and the min leave:
     * {@code d·sc·q - dmin·m = d·sc·(q - 8) + (8·d·sc - dmin·m)}.
     */
    @Override
    public void int16Tile(int rowFrom, int rowTo, int colFrom, int colTo, int[] quants, int quantStride, float[] dst,
                          int scaleOffset, int biasOffset, int scaleStride) {
        int relaid = Math.min(rowTo, relaidRows());
        if (rowFrom < relaid) {
            groups.int16Tile(rowFrom, relaid, colFrom, colTo, quants, quantStride, dst, scaleOffset, biasOffset, scaleStride);
        }
        // Rows past the groups, and every row where there are none, from the file.
        long rowBytes = (long) (cols / 256) * BLOCK_BYTES;
        for (int r = Math.max(rowFrom, relaid); r < rowTo; r++) {
            int o = (r - rowFrom) * quantStride - colFrom;
            int so = (r - rowFrom) * scaleStride - colFrom / 32;
            for (int b = colFrom / 256; b < colTo / 256; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                float d = QuantLanes.half(data, block);
                float dmin = QuantLanes.half(data, block + 2);
                for (int s = 0; s < 8; s++) {
                    float scale = d * QuantLanes.k4Scale(data, block + 4, s);
                    dst[scaleOffset + so + 8 * b + s] = scale;
                    dst[biasOffset + so + 8 * b + s] = 8 * scale - dmin * QuantLanes.k4Min(data, block + 4, s);
                    long qs = block + 16 + 32 * (s >>> 1);
                    int shift = 4 * (s & 1);
                    for (int c = 0; c < 32; c += Kernels.LANES) {
                        IntVector q = QuantLanes.widen(QuantLanes.bytes(data, qs + c)).lanewise(VectorOperators.ASHR, shift)
                                .and(0x0F).sub(8);
                        q.lanewise(VectorOperators.LSHL, 16).or(q.and(0xFFFF)).intoArray(quants, o + 256 * b + 32 * s + c);
                    }
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        if (row < relaidRows()) {
            groups.dequantizeRow(row, dst, offset);
            return;
        }
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
