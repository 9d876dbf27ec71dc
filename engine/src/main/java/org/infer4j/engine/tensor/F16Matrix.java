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
        float[] in = x.floats(InputFormat.F16_ROUNDED);
        int tokens = x.tokens();
        for (int r = rowFrom; r < rowTo; r++) {
            dequantizeRow(r, buffer, 0);
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = Kernels.dot(buffer, 0, in, t * cols, cols);
            }
        }
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        for (int r = rowFrom; r < rowTo; r++) {
            long base = 2L * ((long) r * cols + colFrom);
            int o = (r - rowFrom) * dstStride;
            for (int i = 0, n = colTo - colFrom; i < n; i++) {
                dst[o + i] = Float.float16ToFloat(data.get(Kernels.HALF, base + 2L * i));
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
