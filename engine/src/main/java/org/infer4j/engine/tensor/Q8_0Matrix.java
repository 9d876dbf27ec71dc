package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import org.infer4j.gguf.GgmlType;

/** Blocks of 32 weights: a half-precision scale and 32 int8 (34 bytes). Multiplies Q8_0-quantized input. */
public record Q8_0Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {
    private static final int BLOCK_BYTES = 34;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
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
                out[outOffset + t * outStride + r] = Kernels.dotQ8_0(data, rowByte, xq, t * cols, xs, t * blocks, blocks);
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
            for (int j = 0; j < 32; j++) {
                dst[offset + b * 32 + j] = d * data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, block + 2 + j);
            }
        }
    }
}
