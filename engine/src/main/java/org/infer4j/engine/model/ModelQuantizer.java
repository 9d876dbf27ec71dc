package org.infer4j.engine.model;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.infer4j.engine.tensor.Quantizer;
import org.infer4j.engine.tensor.WeightMatrix;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufWriter;
import org.infer4j.gguf.TensorInfo;

/**
 * Rewrites a GGUF file with every 2-D weight stored as one target type, as {@code llama-quantize --pure}
 * does: a matrix whose rows are not whole blocks of the target falls back to F16; 1-D tensors (norms)
 * are copied as they are. Metadata is copied, with {@code general.file_type} set.
 */
public final class ModelQuantizer {
    private ModelQuantizer() {}

    public static void quantize(GgufFile source, Path target, GgmlType type) throws IOException {
        if (!TARGETS.contains(type)) {
            throw new IllegalArgumentException("cannot quantize to " + type + "; supported: " + TARGETS);
        }
        GgufWriter writer = new GgufWriter().putAll(source.metadata());
        writer.putUint32("general.quantization_version", 2);
        writer.putUint32("general.file_type", fileType(type));
        for (TensorInfo t : source.tensors().values()) {
            MemorySegment data = source.tensorData(t);
            if (t.dimensions() != 2) {
                writer.addTensor(t.name(), t.type(), t.shape(), data);
                continue;
            }
            int cols = Math.toIntExact(t.dim(0));
            int rows = Math.toIntExact(t.dim(1));
            GgmlType chosen = cols % type.blockSize() == 0 ? type : GgmlType.F16;
            if (chosen == t.type()) {
                writer.addTensor(t.name(), t.type(), t.shape(), data);
                continue;
            }
            WeightMatrix matrix = WeightMatrix.of(t.name(), t.type(), data, rows, cols);
            byte[] out = new byte[Math.toIntExact(chosen.byteSize((long) rows * cols))];
            int rowBytes = out.length / rows;
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                matrix.dequantizeRow(r, row, 0);
                System.arraycopy(Quantizer.encode(chosen, row, 0, cols), 0, out, r * rowBytes, rowBytes);
            }
            writer.addTensor(t.name(), chosen, t.shape(), out);
        }
        writer.write(target);
    }

    /** The types {@link #quantize} can write: those {@link Quantizer#encode} has a quantizer for. */
    public static final java.util.Set<GgmlType> TARGETS = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(
            GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1));

    /** llama.cpp's {@code llama_ftype} number for a file mostly of {@code type}. */
    static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("cannot quantize to " + type);
        };
    }
}
