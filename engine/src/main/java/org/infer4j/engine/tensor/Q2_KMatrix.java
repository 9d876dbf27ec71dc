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

    /** The input decoded to floats in {@link #ORDER} (one token's row), then one vector of lanes to sum ({@link Kernels#sumLanes}). */
    @Override
    public int scratchFloats() {
        return cols + Kernels.LANES;
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
        float[] buffer = scratch.floats();
        byte[] xq = x.q8kValues();
        float[] xd = x.q8kScales();
        int[] xsums = x.q8kSums();
        int blocks = cols / 256;
        long rowBytes = (long) blocks * BLOCK_BYTES;
        // One token: a batch went to TileGemm above. The input in the kernel's order, once per call.
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < 256; i++) {
                buffer[256 * b + i] = xq[256 * b + ORDER[i]];
            }
        }
        for (int r = rowFrom; r < rowTo; r++) {
            dot(data, r * rowBytes, blocks, buffer, xd, xsums, 0, buffer, cols);
            out[outOffset + r] = Kernels.sumLanes(buffer, cols);
        }
    }

    /**
     * Where each input value goes in the kernel's order: one load of {@code 4·LANES} bytes of quants (chunk
     * {@code ch}) gives lane i the bytes {@code B = 4·LANES·ch + 4i .. +3}; the 2-bit field {@code 2j} of byte
     * {@code b} of every lane forms vector {@code 16·ch + 4j + b}, and position {@code (16·ch + 4j + b)·LANES + i}
     * holds the input of its weight, element {@code 128·(B/32) + 32j + B%32} with {@code B = 4·LANES·ch + 4i + b}.
     */
    static final int[] ORDER = order();

    private static int[] order() {
        int[] order = new int[256];
        for (int ch = 0; ch < 64 / (4 * Kernels.LANES); ch++) {
            for (int j = 0; j < 4; j++) {
                for (int b = 0; b < 4; b++) {
                    for (int i = 0; i < Kernels.LANES; i++) {
                        int byteIndex = 4 * Kernels.LANES * ch + 4 * i + b;
                        order[(16 * ch + 4 * j + b) * Kernels.LANES + i] = 128 * (byteIndex / 32) + 32 * j + byteIndex % 32;
                    }
                }
            }
        }
        return order;
    }

    /**
     * For chunk ch and field j: lane i picks the scale of its weights' group, {@code 8·(B/32) + 2j + (B%32)/16} for
     * {@code B = 4·LANES·ch + 4i}, from the vector of scales {@code LANES·ch ..} (for 8 lanes the second chunk's
     * groups are 8..15).
     */
    private static VectorShuffle<Float> pick(int ch, int j) {
        return VectorShuffle.fromOp(Kernels.FLOATS, i -> {
            int byteIndex = 4 * Kernels.LANES * ch + 4 * i;
            return 8 * (byteIndex / 32) + 2 * j + (byteIndex % 32) / 16 - Kernels.LANES * ch;
        });
    }

    // Constants read with constant indices: a shuffle loaded from an array element was, in some JVM runs, not compiled
    // to the vector instruction (see Q4_KMatrix).
    private static final VectorShuffle<Float> PICK_00 = pick(0, 0), PICK_01 = pick(0, 1), PICK_02 = pick(0, 2), PICK_03 = pick(0, 3),
            PICK_10 = pick(1 % (64 / (4 * Kernels.LANES)), 0), PICK_11 = pick(1 % (64 / (4 * Kernels.LANES)), 1),
            PICK_12 = pick(1 % (64 / (4 * Kernels.LANES)), 2), PICK_13 = pick(1 % (64 / (4 * Kernels.LANES)), 3);

    /** Float bits of 4.0: with a 2-bit q in mantissa bits 21..22 the float is 4 + q exactly. */
    private static final int FOUR = 0x40800000;
    private static final int TWO_BITS = 3 << 21;

    /**
     * One row · one token. {@code x} is the token's int8 input as floats in {@link #ORDER}, {@code xd}/{@code xsums}
     * its super-block scales and 16-value sums from super-block {@code so}. Per super-block, in float lanes (exact
     * integers): Σ sc·(4 + q)·x, each 2-bit q placed in the mantissa of 4.0 (one shift, one AND-OR, as Q4_K's
     * nibbles) and each lane's four fields of a group summed before its scale; times {@code d}; the mins through the
     * input sums, times {@code dmin}, and the 4 added to every q likewise (-4·d·sc·(the group's input sum)). Stores the
     * lanes to sum at {@code lanes[at ..]}. Vector API calls and segment accesses only in the body (DEVELOPERS.md,
     * rules 1 and 14); the scales never leave the registers.
     */
    static void dot(MemorySegment w, long row, int blocks, float[] x, float[] xd, int[] xsums, int so, float[] lanes, int at) {
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            float scale = xd[so + b];
            float d = scale * Float.float16ToFloat(r.get(Kernels.HALF, block + 80));
            FloatVector minusFourD = FloatVector.broadcast(Kernels.FLOATS, -4 * d);
            FloatVector minusDmin = FloatVector.broadcast(Kernels.FLOATS, -scale * Float.float16ToFloat(r.get(Kernels.HALF, block + 82)));
            FloatVector acc = FloatVector.zero(Kernels.FLOATS);
            int xo = 256 * b;
            for (int ch = 0; ch < 64 / (4 * Kernels.LANES); ch++) {
                // Groups LANES·ch ..: their scales (low nibbles) and mins (high), and the two corrections through the
                // input's group sums: -4·d·sc (the 4 in every weight) and -dmin·m.
                IntVector packedScales = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + Kernels.LANES * ch, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                FloatVector groupScales = (FloatVector) packedScales.and(0x0F).convert(VectorOperators.I2F, 0);
                FloatVector groupSums = (FloatVector) IntVector.fromArray(Kernels.INTS, xsums, 16 * (so + b) + Kernels.LANES * ch)
                        .convert(VectorOperators.I2F, 0);
                sum = groupScales.mul(groupSums).fma(minusFourD, sum);
                sum = ((FloatVector) packedScales.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).mul(groupSums)
                        .fma(minusDmin, sum);
                IntVector v = IntVector.fromMemorySegment(Kernels.INTS, r, block + 16 + 4 * Kernels.LANES * ch, Kernels.LE);
                FloatVector s0 = v.lanewise(VectorOperators.LSHL, 21).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 0) * Kernels.LANES));
                s0 = v.lanewise(VectorOperators.LSHL, 13).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 1) * Kernels.LANES), s0);
                s0 = v.lanewise(VectorOperators.LSHL, 5).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 2) * Kernels.LANES), s0);
                s0 = v.lanewise(VectorOperators.LSHR, 3).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 3) * Kernels.LANES), s0);
                FloatVector s1 = v.lanewise(VectorOperators.LSHL, 19).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 4) * Kernels.LANES));
                s1 = v.lanewise(VectorOperators.LSHL, 11).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 5) * Kernels.LANES), s1);
                s1 = v.lanewise(VectorOperators.LSHL, 3).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 6) * Kernels.LANES), s1);
                s1 = v.lanewise(VectorOperators.LSHR, 5).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 7) * Kernels.LANES), s1);
                FloatVector s2 = v.lanewise(VectorOperators.LSHL, 17).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 8) * Kernels.LANES));
                s2 = v.lanewise(VectorOperators.LSHL, 9).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 9) * Kernels.LANES), s2);
                s2 = v.lanewise(VectorOperators.LSHL, 1).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 10) * Kernels.LANES), s2);
                s2 = v.lanewise(VectorOperators.LSHR, 7).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 11) * Kernels.LANES), s2);
                FloatVector s3 = v.lanewise(VectorOperators.LSHL, 15).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 12) * Kernels.LANES));
                s3 = v.lanewise(VectorOperators.LSHL, 7).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 13) * Kernels.LANES), s3);
                s3 = v.lanewise(VectorOperators.LSHR, 1).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 14) * Kernels.LANES), s3);
                s3 = v.lanewise(VectorOperators.LSHR, 9).and(TWO_BITS).or(FOUR).reinterpretAsFloats()
                        .fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + (16 * ch + 15) * Kernels.LANES), s3);
                acc = s0.fma(groupScales.rearrange(ch == 0 ? PICK_00 : PICK_10), acc);
                acc = s1.fma(groupScales.rearrange(ch == 0 ? PICK_01 : PICK_11), acc);
                acc = s2.fma(groupScales.rearrange(ch == 0 ? PICK_02 : PICK_12), acc);
                acc = s3.fma(groupScales.rearrange(ch == 0 ? PICK_03 : PICK_13), acc);
            }
            sum = acc.fma(FloatVector.broadcast(Kernels.FLOATS, d), sum);
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
