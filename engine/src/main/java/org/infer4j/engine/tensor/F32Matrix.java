package org.infer4j.engine.tensor;

import java.lang.foreign.MemorySegment;
import org.infer4j.gguf.GgmlType;

/** Plain little-endian floats. */
public record F32Matrix(String name, MemorySegment data, int rows, int cols) implements WeightMatrix {

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public InputFormat inputFormat() {
        return InputFormat.F32;
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
        float[] in = x.floats(InputFormat.F32);
        int tokens = x.tokens();
        for (int r = rowFrom; r < rowTo; r++) {
            long rowByte = 4L * r * cols;
            for (int t = 0; t < tokens; t++) {
                out[outOffset + t * outStride + r] = Kernels.dot(data, rowByte, in, t * cols, cols);
            }
        }
    }

    @Override
    public void dequantizeTile(int rowFrom, int rowTo, int colFrom, int colTo, float[] dst, int dstStride) {
        for (int r = rowFrom; r < rowTo; r++) {
            MemorySegment.copy(data, Kernels.FLOAT, 4L * ((long) r * cols + colFrom), dst, (r - rowFrom) * dstStride, colTo - colFrom);
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int offset) {
        MemorySegment.copy(data, Kernels.FLOAT, 4L * row * cols, dst, offset, cols);
    }
}
