package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import org.infer4j.gguf.GgmlType;

/**
 * Super-blocks of 256 weights in 16 groups of 16, weight {@code d·sc·(q - 32)} with 6-bit q: 128 bytes of low
 * nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, half d — 210 bytes. Group {@code g = 8h + 2p + k},
 * element l: low nibble {@code 4·(p/2)..} of byte {@code 64h + 32·(p%2) + 16k + l}, high bits {@code 2p..2p+1}
 * of byte {@code 128 + 32h + 16k + l}. Multiplies Q8_K input.
 * <p>
 * One token: whole groups of 32 rows run on a copy re-laid at load ({@link InterleavedQ4_K}'s way, int16 lanes:
 * {@link InterleavedQ6_K}); batches and row lookups read that copy too, and the file's pages of those rows are
 * unloaded. ModelMatVec, Llama-3.2-1B-shaped Q4_K_M, one thread / two: the output head (2048 columns) 12.4 / 24.9 ->
 * 14.6 / 28.3 GB/s, {@code blk.0.ffn_down} (8192 columns, in cache) 9.8 / 17.7 -> 14.9 / 27.4.
 * <p>
 * Rows past the groups (and every row where the vectors are narrower than 512 bits): as {@link Q4_KMatrix}'s row
 * kernel, in float lanes against the input decoded and reordered once per token; each weight becomes the float
 * 64 + q by bit operations alone ({@link #dot}). One thread: 8.3 -> 10.8 GB/s over the kernel that widened bytes and
 * converted them.
 */
public record Q6_KMatrix(String name, MemorySegment data, int rows, int cols, InterleavedQ6_K groups) implements RelaidMatrix {
    private static final int BLOCK_BYTES = 210;

    /**
     * Wraps the file's bytes, and re-lays its whole groups of 32 rows ({@link InterleavedQ6_K}; none where the vectors
     * are narrower than 512 bits): one token, batch tiles and row lookups then read the copy.
     */
    public Q6_KMatrix(String name, MemorySegment data, int rows, int cols) {
        this(name, data, rows, cols, RelaidCopies.IN_MEMORY);
    }

    /** As {@link #Q6_KMatrix(String, MemorySegment, int, int)}, the re-laid groups from {@code copies}. */
    public Q6_KMatrix(String name, MemorySegment data, int rows, int cols, RelaidCopies copies) {
        this(name, data, rows, cols, InterleavedQ6_K.of(data, rows, cols, copies));
    }

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
        return RowGroups.GROUP;
    }

    @Override
    public boolean batchesInFloatTiles() {
        return true;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, Scratch scratch) {
        if (x.tokens() > 1) {
            TileGemm.multiply(this, x, out, outOffset, outStride, rowFrom, rowTo, scratch.floats());
            return;
        }
        if (groups != null) {
            rowFrom = groups.multiplyRange(x, out, outOffset, rowFrom, rowTo, scratch.floats());
            if (rowFrom == rowTo) {
                return;
            }
        }
        float[] xd = x.q8kScales();
        float[] bias = x.q6kBias();
        int blocks = cols / 256;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        if (cols > Kernels.LONG_ROW) {
            byte[] xb = x.q6kBytes();
            for (int r = rowFrom; r < rowTo; r++) {
                out[outOffset + r] = dotBytes(data, r * rowBytes, blocks, xb, xd, bias);
            }
            return;
        }
        MemorySegment xf = x.q6kFloats();
        for (int r = rowFrom; r < rowTo; r++) {
            out[outOffset + r] = dot(data, r * rowBytes, blocks, xf, xd, bias);
        }
    }

    /** Loads of {@code 4·LANES} bytes of low nibbles per half super-block (64 bytes). */
    private static final int CHUNKS = 64 / (4 * Kernels.LANES);

    /**
     * Where each input value goes in {@link Activations#q6kFloats()}: the order in which {@link #dot} meets the
     * weights. Per half h and load c of its low nibbles, lane i holds bytes {@code j = 4·LANES·c + 4i ..+3} of the
     * half's 64; byte k of the lane gives two weights, its low nibble (parity 0) and its high nibble (parity 1),
     * each with high bits from byte {@code j % 32} of the half's 32 high-bit bytes. Position
     * {@code ((h·CHUNKS + c)·8 + 2k + parity)·LANES + i} holds the input of weight
     * {@code 128h + j%32 + 32·(j/32) + 64·parity} (ggml's layout: a byte's low nibble feeds element l or l + 32 of
     * the half, its high nibble l + 64 or l + 96).
     */
    static final int[] NIBBLE_ORDER = nibbleOrder();

    private static int[] nibbleOrder() {
        int[] order = new int[256];
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < CHUNKS; c++) {
                for (int k = 0; k < 4; k++) {
                    for (int parity = 0; parity < 2; parity++) {
                        for (int i = 0; i < Kernels.LANES; i++) {
                            int j = 4 * Kernels.LANES * c + 4 * i + k;
                            order[((h * CHUNKS + c) * 8 + 2 * k + parity) * Kernels.LANES + i] = 128 * h + j % 32 + 32 * (j / 32) + 64 * parity;
                        }
                    }
                }
            }
        }
        return order;
    }

    /** Per (half, load, parity): lane i picks the scale of its group among the half's scale lanes. */
    private static final VectorShuffle<Float>[] SCALE_PICK = scalePicks();
    /** Per (half, load): how far to shift lane i's high-bit bytes so that its pairs sit at bits 0-1 and 4-5. */
    private static final IntVector[] HIGH_SHIFT = highShifts();
    /** With 16 lanes one load of 64 high-bit bytes serves both halves: lane i takes the half's lane i % 8. */
    private static final VectorShuffle<Integer>[] HIGH_PICK = highPicks();
    // The kernel reads the tables above through these constants, selected with constant indices once its loops are
    // unrolled: a shuffle or vector loaded from an array element was, in some JVM runs, not compiled to the vector
    // instruction but run through the Vector API's Java fallback (the output head 2.5x slower in those runs).
    private static final VectorShuffle<Float> PICK_0 = SCALE_PICK[0], PICK_1 = SCALE_PICK[1], PICK_2 = SCALE_PICK[2],
            PICK_3 = SCALE_PICK[3], PICK_4 = SCALE_PICK[4 % SCALE_PICK.length], PICK_5 = SCALE_PICK[5 % SCALE_PICK.length],
            PICK_6 = SCALE_PICK[6 % SCALE_PICK.length], PICK_7 = SCALE_PICK[7 % SCALE_PICK.length];
    private static final IntVector SHIFT_0 = HIGH_SHIFT[0], SHIFT_1 = HIGH_SHIFT[1], SHIFT_2 = HIGH_SHIFT[2 % HIGH_SHIFT.length],
            SHIFT_3 = HIGH_SHIFT[3 % HIGH_SHIFT.length];
    private static final VectorShuffle<Integer> HALF_0 = HIGH_PICK[0], HALF_1 = HIGH_PICK[1];

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] scalePicks() {
        VectorShuffle<Float>[] picks = new VectorShuffle[2 * CHUNKS * 2];
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < CHUNKS; c++) {
                for (int parity = 0; parity < 2; parity++) {
                    int first = Kernels.LANES == 16 ? 8 * h : 0; // eight lanes hold one half's scales
                    int hh = h, cc = c, pp = parity;
                    picks[(h * CHUNKS + c) * 2 + parity] = VectorShuffle.fromOp(Kernels.FLOATS, i -> {
                        int j = 4 * Kernels.LANES * cc + 4 * i;
                        return (128 * hh + j % 32 + 32 * (j / 32) + 64 * pp) / 16 - 8 * hh + first;
                    });
                }
            }
        }
        return picks;
    }

    private static IntVector[] highShifts() {
        IntVector[] shifts = new IntVector[2 * CHUNKS];
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < CHUNKS; c++) {
                int[] lanes = new int[Kernels.LANES];
                for (int i = 0; i < lanes.length; i++) {
                    lanes[i] = 4 * Kernels.LANES * c + 4 * i >= 32 ? 2 : 0;
                }
                shifts[h * CHUNKS + c] = IntVector.fromArray(Kernels.INTS, lanes, 0);
            }
        }
        return shifts;
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Integer>[] highPicks() {
        VectorShuffle<Integer>[] picks = new VectorShuffle[2];
        for (int h = 0; h < 2; h++) {
            int hh = h;
            picks[h] = VectorShuffle.fromOp(Kernels.INTS, i -> Kernels.LANES == 16 ? 8 * hh + i % 8 : i);
        }
        return picks;
    }

    /** Float bits of 64.0: with a 6-bit q in mantissa bits 17..22 the float is 64 + q exactly. */
    private static final int SIXTY_FOUR = 0x42800000;
    private static final int Q_BITS = 0x3F << 17;
    private static final int LOW_NIBBLES = 0x0F0F0F0F;
    private static final int PAIR_BITS = 0x30303030;

    /**
     * One row · one token: Σ_b d·xd_b·Σ_g sc_g·(Σ (q - 32)·x over group g), {@code x} the token's int8 input as
     * floats in {@link #NIBBLE_ORDER}, {@code xd} its super-block scales, {@code bias} -96 × its 16-value sums.
     * <p>
     * As {@link Q4_KMatrix#dot}: no widening and no conversion. A load of low nibbles and the matching high-bit bytes
     * (shifted per lane so a byte's two pairs sit at bits 0-1 and 4-5) give, by AND-ORs, two int vectors holding a
     * 6-bit q in the low six bits of every byte: one from the low nibbles, one from the high. Each byte then becomes
     * the float 64 + q by one shift and one fused AND-OR; the 64 + 32 per weight comes back out through the bias
     * (times the scales, the start of the sum). Products and partial sums are integers, exact while below 2^24
     * (which typical input stays far under; at the extremes they round as any float dot product does). A lane
     * serves groups 4 apart in each parity, so each parity's sum is scaled per lane ({@link #SCALE_PICK}).
     * Body written as {@link Q4_KMatrix#dot}'s, for the same reasons.
     */
    static float dot(MemorySegment w, long row, int blocks, MemorySegment x, float[] xd, float[] bias) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector scales = (FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 192, Kernels.LE)
                    .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
            FloatVector acc = scales.mul(FloatVector.fromArray(Kernels.FLOATS, bias, 16 * b));
            FloatVector scales2 = scales;
            if (Kernels.LANES < 16) {
                scales2 = (FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 200, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
                acc = scales2.fma(FloatVector.fromArray(Kernels.FLOATS, bias, 16 * b + 8), acc);
            }
            int xo = 4 * 256 * b; // int, not long: see Q4_KMatrix.dot (bounds checks per load)
            for (int h = 0; h < 2; h++) {
                FloatVector halfScales = h == 0 ? scales : scales2;
                IntVector highs = IntVector.fromMemorySegment(Kernels.INTS, r, block + 128 + (Kernels.LANES == 16 ? 0 : 32 * h), Kernels.LE);
                if (Kernels.LANES == 16) {
                    highs = highs.rearrange(h == 0 ? HALF_0 : HALF_1);
                }
                for (int c = 0; c < CHUNKS; c++) {
                    int at = h * CHUNKS + c;
                    IntVector lows = IntVector.fromMemorySegment(Kernels.INTS, r, block + 64 * h + 4 * Kernels.LANES * c, Kernels.LE);
                    IntVector hi = highs.lanewise(VectorOperators.LSHR, at == 0 ? SHIFT_0 : at == 1 ? SHIFT_1 : at == 2 ? SHIFT_2 : SHIFT_3);
                    IntVector e = lows.and(LOW_NIBBLES).or(hi.lanewise(VectorOperators.LSHL, 4).and(PAIR_BITS));
                    IntVector o = lows.lanewise(VectorOperators.LSHR, 4).and(LOW_NIBBLES).or(hi.and(PAIR_BITS));
                    int xc = xo + 4 * 8 * Kernels.LANES * at;
                    FloatVector even = e.lanewise(VectorOperators.LSHL, 17).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc, Kernels.LE));
                    FloatVector odd = o.lanewise(VectorOperators.LSHL, 17).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .mul(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 4 * Kernels.LANES, Kernels.LE));
                    even = e.lanewise(VectorOperators.LSHL, 9).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 8 * Kernels.LANES, Kernels.LE), even);
                    odd = o.lanewise(VectorOperators.LSHL, 9).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 12 * Kernels.LANES, Kernels.LE), odd);
                    even = e.lanewise(VectorOperators.LSHL, 1).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 16 * Kernels.LANES, Kernels.LE), even);
                    odd = o.lanewise(VectorOperators.LSHL, 1).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 20 * Kernels.LANES, Kernels.LE), odd);
                    even = e.lanewise(VectorOperators.LSHR, 7).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 24 * Kernels.LANES, Kernels.LE), even);
                    odd = o.lanewise(VectorOperators.LSHR, 7).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(FloatVector.fromMemorySegment(Kernels.FLOATS, x, xc + 28 * Kernels.LANES, Kernels.LE), odd);
                    acc = even.fma(halfScales.rearrange(at == 0 ? PICK_0 : at == 1 ? PICK_2 : at == 2 ? PICK_4 : PICK_6), acc);
                    acc = odd.fma(halfScales.rearrange(at == 0 ? PICK_1 : at == 1 ? PICK_3 : at == 2 ? PICK_5 : PICK_7), acc);
                }
            }
            sum = acc.fma(FloatVector.broadcast(Kernels.FLOATS, xd[b] * Float.float16ToFloat(r.get(Kernels.HALF, block + 208))), sum);
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

    /**
     * As {@link #dot}, the input as its int8 values in the same order, widened here: for rows past
     * {@link Kernels#LONG_ROW}, where float input would not stay in L1 beside the weight stream. The body is
     * {@link #dot}'s with only the input loads changed (a shared body would need a call per load, see the class
     * comment); both stay because where the floats fit they are faster: 2048-column rows from memory, one thread,
     * 10.7 GB/s against 8.9 with bytes.
     */
    static float dotBytes(MemorySegment w, long row, int blocks, byte[] x, float[] xd, float[] bias) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector scales = (FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 192, Kernels.LE)
                    .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
            FloatVector acc = scales.mul(FloatVector.fromArray(Kernels.FLOATS, bias, 16 * b));
            FloatVector scales2 = scales;
            if (Kernels.LANES < 16) {
                scales2 = (FloatVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 200, Kernels.LE)
                        .convertShape(VectorOperators.B2F, Kernels.FLOATS, 0);
                acc = scales2.fma(FloatVector.fromArray(Kernels.FLOATS, bias, 16 * b + 8), acc);
            }
            int xo = 256 * b;
            for (int h = 0; h < 2; h++) {
                FloatVector halfScales = h == 0 ? scales : scales2;
                IntVector highs = IntVector.fromMemorySegment(Kernels.INTS, r, block + 128 + (Kernels.LANES == 16 ? 0 : 32 * h), Kernels.LE);
                if (Kernels.LANES == 16) {
                    highs = highs.rearrange(h == 0 ? HALF_0 : HALF_1);
                }
                for (int c = 0; c < CHUNKS; c++) {
                    int at = h * CHUNKS + c;
                    IntVector lows = IntVector.fromMemorySegment(Kernels.INTS, r, block + 64 * h + 4 * Kernels.LANES * c, Kernels.LE);
                    IntVector hi = highs.lanewise(VectorOperators.LSHR, at == 0 ? SHIFT_0 : at == 1 ? SHIFT_1 : at == 2 ? SHIFT_2 : SHIFT_3);
                    IntVector e = lows.and(LOW_NIBBLES).or(hi.lanewise(VectorOperators.LSHL, 4).and(PAIR_BITS));
                    IntVector o = lows.lanewise(VectorOperators.LSHR, 4).and(LOW_NIBBLES).or(hi.and(PAIR_BITS));
                    int xe = xo + 8 * Kernels.LANES * at;
                    FloatVector even = e.lanewise(VectorOperators.LSHL, 17).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .mul(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)));
                    FloatVector odd = o.lanewise(VectorOperators.LSHL, 17).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .mul(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 1 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)));
                    even = e.lanewise(VectorOperators.LSHL, 9).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 2 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), even);
                    odd = o.lanewise(VectorOperators.LSHL, 9).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 3 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), odd);
                    even = e.lanewise(VectorOperators.LSHL, 1).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 4 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), even);
                    odd = o.lanewise(VectorOperators.LSHL, 1).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 5 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), odd);
                    even = e.lanewise(VectorOperators.LSHR, 7).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 6 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), even);
                    odd = o.lanewise(VectorOperators.LSHR, 7).and(Q_BITS).or(SIXTY_FOUR).reinterpretAsFloats()
                            .fma(((FloatVector) ByteVector.fromArray(Kernels.BYTES, x, xe + 7 * Kernels.LANES).convertShape(VectorOperators.B2F, Kernels.FLOATS, 0)), odd);
                    acc = even.fma(halfScales.rearrange(at == 0 ? PICK_0 : at == 1 ? PICK_2 : at == 2 ? PICK_4 : PICK_6), acc);
                    acc = odd.fma(halfScales.rearrange(at == 0 ? PICK_1 : at == 1 ? PICK_3 : at == 2 ? PICK_5 : PICK_7), acc);
                }
            }
            sum = acc.fma(FloatVector.broadcast(Kernels.FLOATS, xd[b] * Float.float16ToFloat(r.get(Kernels.HALF, block + 208))), sum);
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

    static {
        // Run each one-token kernel once, on a zero block, as the class initializes: every Vector API class its body
        // uses is then loaded before C2 compiles it. A compile that met a class not loaded yet left that operation
        // to the Vector API's Java fallback, which in some JVM runs made generation after a prompt up to 2.5x
        // slower (the output head's Q6_K kernel; which run depended on thread timing).
        // The weights native like the mapped ones: a heap segment here put a third segment class into the profiles of
        // the JDK code that every vector load shares, and C2 more often compiled the K-quant one-token kernels into
        // code 2-3x larger and slower (Q4_K_M tg128 after pp512 at 13.9-15.3 t/s instead of ~20 in 6 of 8 runs; 1 of 8
        // after. Not the whole cause: under a flight recorder the large Q6_K compile still shows in 5 of 8 runs).
        MemorySegment w = java.lang.foreign.Arena.ofAuto().allocate(210, 64);
        MemorySegment x = java.lang.foreign.Arena.ofAuto().allocate(4 * 256, 64); // native, as the real input
        dot(w, 0, 1, x, new float[1], new float[16]);
        dotBytes(w, 0, 1, new byte[256], new float[1], new float[16]);
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        int relaid = Math.min(rowTo, relaidRows());
        if (rowFrom < relaid) {
            groups.dequantizeTile(rowFrom, relaid, colFrom, colTo, dst, dstStride);
        }
        // Rows past the groups, and every row where there are none, from the file.
        long rowBytes = (long) (cols / 256) * BLOCK_BYTES;
        for (int r = Math.max(rowFrom, relaid); r < rowTo; r++) {
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
        if (row < relaidRows()) {
            groups.dequantizeRow(row, dst, offset);
            return;
        }
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
