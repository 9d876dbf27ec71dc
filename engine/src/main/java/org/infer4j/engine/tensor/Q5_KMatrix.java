package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * As {@link Q4_KMatrix} with 5-bit q: half d, half dmin, 12 bytes of 6-bit scales and mins, 32 bytes of high
 * bits (bit s of byte l is bit 4 of element l of sub-block s), 128 bytes of nibbles — 176 bytes. Multiplies
 * Q8_K input.
 */
public record Q5_KMatrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 176;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_K;
    }

    /** The input decoded to floats (one token's row), one vector of lanes to sum, one of sub-block scales. */
    @Override
    public int scratchFloats() {
        return cols + 2 * Kernels.LANES;
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
            dot(data, r * rowBytes, blocks, buffer, xd, xsums, 0, buffer, cols);
            out[outOffset + r] = Kernels.sumLanes(buffer, cols);
        }
    }

    /**
     * One row · one token. {@code x} is the token's int8 input as floats, {@code xd}/{@code xsums} its super-block
     * scales and 16-value sums from super-block {@code so}. Per super-block: the sub-block sums Σq·x in float lanes
     * (exact integers), times their scales into one exact lane sum, times {@code d}; the mins through the input sums.
     * The lanes to sum are stored at {@code lanes[at ..]}; the next eight floats hold the scales.
     */
    static void dot(MemorySegment w, long row, int blocks, float[] x, float[] xd, int[] xsums, int so, float[] lanes, int at) {
        // Vector API calls only in this body (no KQuantLanes helpers that take or return vectors, nor the row segment):
        // C2 left such calls out of line here and boxed what they passed (Llama-3.2-1B-shaped Q5_K_M: tg32 at 6.1 t/s
        // with 130 collections in 64 tokens). The per-block scalars come from the whole segment at long offsets.
        MemorySegment r = w.asSlice(row, (long) blocks * BLOCK_BYTES);
        FloatVector sum = FloatVector.zero(Kernels.FLOATS);
        int scales = at + Kernels.LANES;
        for (int b = 0; b < blocks; b++) {
            int block = BLOCK_BYTES * b;
            long at4 = row + block + 4;
            // The scales in scratch, each broadcast one load: as Q4_K.
            long packedScales = KQuantLanes.k4Scales(w, at4);
            for (int s = 0; s < 8; s++) {
                lanes[scales + s] = KQuantLanes.at(packedScales, s);
            }
            FloatVector acc = FloatVector.zero(Kernels.FLOATS);
            FloatVector acc2 = acc;
            for (int j = 0; j < 4; j++) {
                // 32 bytes of nibbles: sub-block 2j in the low nibbles, 2j+1 in the high ones; their fifth bits are
                // bits 2j and 2j+1 of the 32 bytes of high bits.
                FloatVector low = FloatVector.zero(Kernels.FLOATS), high = low;
                for (int c = 0; c < 32; c += Kernels.LANES) {
                    int xo = 256 * b + 64 * j + c;
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 48 + 32 * j + c, Kernels.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0);
                    IntVector bits = ((IntVector) ByteVector.fromMemorySegment(Kernels.BYTES, r, block + 16 + c, Kernels.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0)).lanewise(VectorOperators.LSHR, 2 * j);
                    IntVector ql = q.and(0x0F).or(bits.lanewise(VectorOperators.LSHL, 4).and(0x10));
                    IntVector qh = q.lanewise(VectorOperators.LSHR, 4).or(bits.lanewise(VectorOperators.LSHL, 3).and(0x10));
                    low = ((FloatVector) ql.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo), low);
                    high = ((FloatVector) qh.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(Kernels.FLOATS, x, xo + 32), high);
                }
                acc = low.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 2 * j]), acc);
                acc2 = high.fma(FloatVector.broadcast(Kernels.FLOATS, lanes[scales + 2 * j + 1]), acc2);
            }
            acc = acc.add(acc2);
            // The mins: -dmin·Σ m_s·(input sum of sub-block s), from the input's sums of 16 (two per sub-block).
            long mins = KQuantLanes.k4Mins(w, at4);
            float scale = xd[so + b];
            FloatVector minTerm = FloatVector.zero(Kernels.FLOATS);
            for (int g = 0; g < 16; g += Kernels.LANES) {
                FloatVector sums = (FloatVector) IntVector.fromArray(Kernels.INTS, xsums, 16 * (so + b) + g).convert(VectorOperators.I2F, 0);
                FloatVector m = (FloatVector) ((IntVector) LongVector.broadcast(KQuantLanes.LONGS, mins >>> (4 * g)).reinterpretAsBytes()
                        .rearrange(KQuantLanes.PAIRS).convertShape(VectorOperators.ZERO_EXTEND_B2I, Kernels.INTS, 0))
                        .convert(VectorOperators.I2F, 0);
                minTerm = m.fma(sums, minTerm);
            }
            sum = acc.fma(FloatVector.broadcast(Kernels.FLOATS, scale * QuantLanes.half(w, row + block)), sum);
            sum = minTerm.fma(FloatVector.broadcast(Kernels.FLOATS, -scale * QuantLanes.half(w, row + block + 2)), sum);
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
                float d = QuantLanes.half(data, block);
                float dmin = QuantLanes.half(data, block + 2);
                for (int s = 0; s < 8; s++) {
                    FloatVector dl = FloatVector.broadcast(Kernels.FLOATS, d * QuantLanes.k4Scale(data, block + 4, s));
                    FloatVector ml = FloatVector.broadcast(Kernels.FLOATS, dmin * QuantLanes.k4Min(data, block + 4, s));
                    long qs = block + 48 + 32 * (s >>> 1);
                    int shift = 4 * (s & 1);
                    for (int c = 0; c < 32; c += Kernels.LANES) {
                        IntVector low = QuantLanes.widen(QuantLanes.bytes(data, qs + c)).lanewise(VectorOperators.ASHR, shift).and(0x0F);
                        IntVector high = QuantLanes.widen(QuantLanes.bytes(data, block + 16 + c)).lanewise(VectorOperators.ASHR, s).and(1);
                        IntVector q = low.or(high.lanewise(VectorOperators.LSHL, 4));
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
                long qs = block + 48 + 32 * (s >>> 1);
                int shift = 4 * (s & 1);
                for (int l = 0; l < 32; l++) {
                    int q = ((QuantLanes.u8(data, qs + l) >>> shift) & 0x0F) | ((QuantLanes.u8(data, block + 16 + l) >>> s) & 1) << 4;
                    dst[offset + 256 * b + 32 * s + l] = dl * q - ml;
                }
            }
        }
    }
}
