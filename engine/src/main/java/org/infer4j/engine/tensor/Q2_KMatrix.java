package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
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
     * Σ sc·q·x over the groups, times {@code d}; the mins through the input sums, times {@code dmin}.
     * The lanes to sum are stored at {@code lanes[at ..]}.
     */
    static void dot(MemorySegment w, long row, int blocks, float[] x, float[] xd, int[] xsums, int so, float[] lanes, int at) {
        // Vector API calls and segment accesses only in this body: a helper C2 leaves out of line boxes the vectors it
        // takes or returns, and would need the row segment as an object (see Q3_KMatrix.dot, Q5_KMatrix.dot).
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            FloatVector acc = FloatVector.zero(Kernels.FLOATS);
            FloatVector acc2 = acc;
            FloatVector mins = acc;
            for (int g = 0; g < 16; g += Kernels.LANES) {
                FloatVector m = (FloatVector) ((IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + g, Kernels.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0)).lanewise(VectorOperators.LSHR, 4)
                        .convert(VectorOperators.I2F, 0);
                mins = m.fma((FloatVector) IntVector.fromArray(Kernels.INTS, xsums, 16 * (so + b) + g).convert(VectorOperators.I2F, 0), mins);
            }
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    // Byte c.. of this half's 32 bytes serves element c.. of each of its four runs of 32 weights
                    // (j = 0..3: group 8h + 2j + c/16), bits 2j..2j+1.
                    IntVector packed = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 16 + 32 * h + c, Kernels.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                    for (int j = 0; j < 4; j += 2) {
                        int xo = 256 * b + 128 * h + 32 * j + c;
                        int g = block + 8 * h + 2 * j + c / 16;
                        acc = ((FloatVector) packed.lanewise(VectorOperators.LSHR, 2 * j).and(3).convert(VectorOperators.I2F, 0))
                                .mul(FloatVector.fromArray(Kernels.FLOATS, x, xo))
                                .fma(FloatVector.broadcast(Kernels.FLOATS, r.get(ValueLayout.JAVA_BYTE, g) & 0x0F), acc);
                        acc2 = ((FloatVector) packed.lanewise(VectorOperators.LSHR, 2 * j + 2).and(3).convert(VectorOperators.I2F, 0))
                                .mul(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32))
                                .fma(FloatVector.broadcast(Kernels.FLOATS, r.get(ValueLayout.JAVA_BYTE, g + 2) & 0x0F), acc2);
                    }
                }
            }
            float scale = xd[so + b];
            sum = acc.add(acc2).fma(FloatVector.broadcast(Kernels.FLOATS, scale * Float.float16ToFloat(r.get(Kernels.HALF, block + 80))), sum);
            sum = mins.fma(FloatVector.broadcast(Kernels.FLOATS, -scale * Float.float16ToFloat(r.get(Kernels.HALF, block + 82))), sum);
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
