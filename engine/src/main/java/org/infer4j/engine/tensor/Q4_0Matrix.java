package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.infer4j.gguf.GgmlType;

/**
 * Blocks of 32 weights: a half-precision scale and 16 bytes of 4-bit values stored +8; byte j holds element j
 * in its low nibble and element j+16 in its high nibble (18 bytes). Multiplies Q8_0-quantized input.
 */
public record Q4_0Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 18;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
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
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, float[] scratch) {
        byte[] xq = x.q8Values();
        float[] xs = x.q8Scales();
        int tokens = x.tokens();
        int blocks = cols / 32;
        for (int r = rowFrom; r < rowTo; r++) {
            long rowByte = (long) r * blocks * BLOCK_BYTES;
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = Kernels.dotQ4_0(data, rowByte, xq, t * cols, xs, t * blocks, blocks);
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        int blocks = cols / 32;
        long rowByte = (long) row * blocks * BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long block = rowByte + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(Kernels.HALF, block));
            for (int j = 0; j < 16; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + 2 + j) & 0xFF;
                dst[offset + b * 32 + j] = d * ((packed & 0x0F) - 8);
                dst[offset + b * 32 + j + 16] = d * ((packed >>> 4) - 8);
            }
        }
    }
}
