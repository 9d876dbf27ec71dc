package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.infer4j.gguf.GgmlType;

/**
 * Blocks of 32 weights {@code d·(q - 16)} with 5-bit q: half scale d, a little-endian 32-bit mask whose bit j is
 * bit 4 of element j, and 16 bytes of low nibbles (byte j: element j low, j+16 high) — 22 bytes. Multiplies
 * Q8_0 input.
 */
public record Q5_0Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 22;

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.Q8_0;
    }

    @Override
    public int scratchFloats() {
        return 0;
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
        byte[] xq = x.q8Values();
        float[] xs = x.q8Scales();
        int tokens = x.tokens();
        int blocks = cols / 32;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowByte = (long) r * blocks * BLOCK_BYTES;
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = dot(data, rowByte, xq, t * cols, xs, t * blocks, blocks);
            }
        }
    }

    static float dot(MemorySegment w, long wByte, byte[] xq, int xo, float[] xs, int so, int blocks) {
        FloatVector acc = FloatVector.zero(Kernels.FLOATS);
        for (int b = 0; b < blocks; b++) {
            long block = wByte + (long) BLOCK_BYTES * b;
            int xb = xo + 32 * b;
            int high = w.get(Kernels.INT, block + 2);
            IntVector sum = IntVector.zero(Kernels.INTS);
            for (int c = 0; c < 16; c += Kernels.LANES) {
                ByteVector packed = QuantLanes.bytes(w, block + 6 + c);
                IntVector lo = QuantLanes.widen(packed.and((byte) 0x0F))
                        .or(QuantLanes.bits(high, c).lanewise(VectorOperators.LSHL, 4)).sub(16);
                IntVector hi = QuantLanes.widen(packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F))
                        .or(QuantLanes.bits(high, 16 + c).lanewise(VectorOperators.LSHL, 4)).sub(16);
                sum = sum.add(lo.mul(QuantLanes.ints(xq, xb + c))).add(hi.mul(QuantLanes.ints(xq, xb + 16 + c)));
            }
            float scale = QuantLanes.half(w, block) * xs[so + b];
            acc = ((FloatVector) sum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Kernels.FLOATS, scale), acc);
        }
        return Kernels.sum(acc);
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        long rowBytes = (long) (cols / 32) * BLOCK_BYTES;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = (r - rowFrom) * dstStride - colFrom;
            for (int b = colFrom / 32; b < colTo / 32; b++) {
                long block = r * rowBytes + (long) b * BLOCK_BYTES;
                FloatVector d = FloatVector.broadcast(Kernels.FLOATS, QuantLanes.half(data, block));
                int high = data.get(Kernels.INT, block + 2);
                for (int c = 0; c < 16; c += Kernels.LANES) {
                    ByteVector packed = QuantLanes.bytes(data, block + 6 + c);
                    IntVector lo = QuantLanes.widen(packed.and((byte) 0x0F))
                            .or(QuantLanes.bits(high, c).lanewise(VectorOperators.LSHL, 4)).sub(16);
                    IntVector hi = QuantLanes.widen(packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F))
                            .or(QuantLanes.bits(high, 16 + c).lanewise(VectorOperators.LSHL, 4)).sub(16);
                    ((FloatVector) lo.convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 32 * b + c);
                    ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 32 * b + 16 + c);
                }
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 32;
        long rowByte = (long) row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + (long) b * BLOCK_BYTES;
            float d = QuantLanes.half(data, block);
            int high = data.get(Kernels.INT, block + 2);
            for (int j = 0; j < 16; j++) {
                int packed = QuantLanes.u8(data, block + 6 + j);
                dst[offset + b * 32 + j] = (((packed & 0x0F) | ((high >>> j) & 1) << 4) - 16) * d;
                dst[offset + b * 32 + j + 16] = (((packed >>> 4) | ((high >>> (j + 16)) & 1) << 4) - 16) * d;
            }
        }
    }
}
