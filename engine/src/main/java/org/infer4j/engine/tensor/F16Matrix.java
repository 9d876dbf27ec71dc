package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import org.infer4j.gguf.GgmlType;

/** IEEE half-precision floats. Each row is widened once into scratch and reused for every token of the batch. */
public record F16Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.F16_ROUNDED;
    }

    @Override
    public void multiply(Activations x, float[] out, int outOffset, int outStride, int rowFrom, int rowTo, float[] scratch) {
        float[] in = x.floats(InputFormat.F16_ROUNDED);
        int tokens = x.tokens();
        for (int r = rowFrom; r < rowTo; r++) {
            dequantizeRow(r, scratch, 0);
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = Kernels.dot(scratch, 0, in, t * cols, cols);
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        long base = 2L * row * cols;
        for (int i = 0; i < cols; i++) {
            dst[offset + i] = Float.float16ToFloat(data.get(Kernels.HALF, base + 2L * i));
        }
    }
}
