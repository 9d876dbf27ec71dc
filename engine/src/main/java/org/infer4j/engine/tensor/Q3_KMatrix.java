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

    /**
     * The input decoded to floats (one token's row), then one vector of lanes to sum ({@link Kernels#sumLanes}),
     * then a super-block's 16 scales.
     */
    @Override
    public int scratchFloats() {
        return cols + Kernels.LANES + 16;
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
        // One token: a batch went to TileGemm above.
        KQuantLanes.toFloats(xq, 0, buffer, cols);
        for (int r = rowFrom; r < rowTo; r++) {
            float offsets = dot(data, r * rowBytes, blocks, buffer, xd, xsums, 0, buffer, cols);
            out[outOffset + r] = Kernels.sumLanes(buffer, cols) - 4 * offsets;
        }
    }

    /**
     * One row · one token. {@code x} is the token's int8 input as floats, {@code xd}/{@code xsums} its super-block
     * scales and 16-value sums from super-block {@code so}. Per super-block, in float lanes (exact integers):
     * Σ sc·u·x with u = low bits + 4·high bit (0..7), and q = u - 4 through {@code -4·Σ sc·(group's input sum)};
     * then times {@code d}. Stores the lanes to sum at {@code lanes[at ..]} and returns Σ d·offset (the result is
     * their sum minus 4 times that).
     */
    static float dot(MemorySegment w, long row, int blocks, float[] x, float[] xd, int[] xsums, int so, float[] lanes, int at) {
        // Vector API calls only in this body, the scales unpacked first into scratch: with helpers (KQuantLanes.floats,
        // unsigned, splat) and this class's scale() called per vector, C2 left calls out of line here and boxed the
        // vectors they passed (a Q2_K model, whose ffn_down is Q3_K: tg32 at 8.7 t/s with 117 collections in 64 tokens).
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        int scales = at + Kernels.LANES;
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        float offsets = 0;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector acc = FloatVector.zero(Kernels.FLOATS);
            FloatVector acc2 = acc;
            int offset = 0;
            // The 16 scales (as scale() unpacks them) from three ints of the 12 packed bytes, without a loop: a loop here
            // that called scale() was compiled with a profile predicate that failed on every call, and C2 recompiled
            // the kernel some 200 times while generation ran (a Q2_K file's ffn_down, tg32 at 8 t/s).
            int lowBits = r.get(Kernels.INT, block + 96), lowBits2 = r.get(Kernels.INT, block + 100), highBits = r.get(Kernels.INT, block + 104);
            int xsum = 16 * (so + b);
            offset += scales(lowBits, highBits, lanes, scales, xsums, xsum);
            offset += scales(lowBits2, highBits >>> 2, lanes, scales + 4, xsums, xsum + 4);
            offset += scales(lowBits >>> 4, highBits >>> 4, lanes, scales + 8, xsums, xsum + 8);
            offset += scales(lowBits2 >>> 4, highBits >>> 6, lanes, scales + 12, xsums, xsum + 12);
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    // Byte c.. of this half's 32 bytes of low bits serves element c.. of each of its four runs of
                    // 32 weights (j = 0..3: group 8h + 2j + c/16), bits 2j..2j+1; their high bits are bit 4h + j
                    // of mask byte c...
                    IntVector low = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 32 + 32 * h + c, Kernels.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                    IntVector mask = ((IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + c, Kernels.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0))
                            .lanewise(VectorOperators.LSHL, 2).lanewise(VectorOperators.LSHR, 4 * h);
                    for (int j = 0; j < 4; j += 2) {
                        IntVector u = low.lanewise(VectorOperators.LSHR, 2 * j).and(3)
                                .or(mask.lanewise(VectorOperators.LSHR, j).and(4));
                        IntVector u2 = low.lanewise(VectorOperators.LSHR, 2 * j + 2).and(3)
                                .or(mask.lanewise(VectorOperators.LSHR, j + 1).and(4));
                        int xo = 256 * b + 128 * h + 32 * j + c;
                        int g = 8 * h + 2 * j + c / 16;
                        acc = ((FloatVector) u.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(Kernels.FLOATS, x, xo))
                                .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + g]), acc);
                        acc2 = ((FloatVector) u2.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32))
                                .fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + g + 2]), acc2);
                    }
                }
            }
            float d = xd[so + b] * Float.float16ToFloat(r.get(Kernels.HALF, block + 108));
            sum = acc.add(acc2).fma(FloatVector.broadcast(Kernels.FLOATS, d), sum);
            offsets += d * offset;
        }
        sum.intoArray(lanes, at);
        return offsets;
    }

    /**
     * Four consecutive scales of a super-block (minus 32) into {@code lanes[at ..]}, returning Σ scale·xsums[s ..]:
     * byte k of {@code low} holds scale k's low 4 bits in its low nibble, byte k of {@code high} its top 2 bits in its
     * low 2 bits (callers shift both to line them up; the layout is {@link #scale}'s).
     */
    private static int scales(int low, int high, float[] lanes, int at, int[] xsums, int s) {
        int s0 = ((low & 0x0F) | ((high & 3) << 4)) - 32;
        int s1 = (((low >>> 8) & 0x0F) | (((high >>> 8) & 3) << 4)) - 32;
        int s2 = (((low >>> 16) & 0x0F) | (((high >>> 16) & 3) << 4)) - 32;
        int s3 = (((low >>> 24) & 0x0F) | (((high >>> 24) & 3) << 4)) - 32;
        lanes[at] = s0;
        lanes[at + 1] = s1;
        lanes[at + 2] = s2;
        lanes[at + 3] = s3;
        return s0 * xsums[s] + s1 * xsums[s + 1] + s2 * xsums[s + 2] + s3 * xsums[s + 3];
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
