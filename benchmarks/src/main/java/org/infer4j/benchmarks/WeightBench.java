package org.infer4j.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.infer4j.engine.tensor.Activations;
import org.infer4j.engine.tensor.Quantizer;
import org.infer4j.engine.tensor.WeightMatrix;
import org.infer4j.gguf.GgmlType;

/** A random weight matrix of one type in off-heap memory (as a mapped file would be), and a matching input. */
final class WeightBench {
    final WeightMatrix matrix;
    final Activations input;
    final float[] out;

    WeightBench(Arena arena, GgmlType type, int rows, int cols, int tokens) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + cols);
        long rowBytes = type.byteSize(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 4096);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) rnd.nextGaussian();
            }
            MemorySegment.copy(MemorySegment.ofArray(Quantizer.encode(type, row, 0, cols)), 0, data, r * rowBytes, rowBytes);
        }
        this.matrix = WeightMatrix.of("bench", type, data, rows, cols);
        this.input = new Activations(tokens, cols);
        for (int i = 0; i < tokens * cols; i++) {
            input.values()[i] = (float) rnd.nextGaussian();
        }
        input.set(tokens, cols);
        this.out = new float[tokens * rows];
    }

    long weightBytes() {
        return matrix.type().byteSize((long) matrix.rows() * matrix.cols());
    }
}
