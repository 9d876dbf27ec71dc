package org.infer4j.engine.model;

import java.util.EnumMap;
import java.util.Map;
import org.infer4j.engine.tensor.WeightMatrix;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.TensorInfo;

/**
 * Turns a mapped GGUF file into a runnable {@link LanguageModel}: picks the family from
 * {@code general.architecture}, reads its hyper-parameters and wraps its tensors without copying them.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /**
     * Loads {@code gguf} to run on {@code threads} threads. The model takes ownership of the file: closing
     * the model closes it. On failure the file stays open and the caller closes it.
     *
     * @throws UnsupportedModelException for an architecture the engine does not run
     * @throws InvalidModelException     for missing or inconsistent hyper-parameters or tensor shapes
     * @throws org.infer4j.engine.tensor.UnsupportedTensorTypeException for a weight type without a kernel
     */
    public static LanguageModel load(GgufFile gguf, int threads) {
        return load(gguf, threads, LlamaModel.DEFAULT_BATCH);
    }

    /** As {@link #load(GgufFile, int)}, processing prompts in chunks of at most {@code maxBatch} tokens. */
    public static LanguageModel load(GgufFile gguf, int threads, int maxBatch) {
        String name = gguf.getString("general.architecture");
        Architecture architecture = Architecture.of(name).orElseThrow(() -> new UnsupportedModelException(gguf.path(), name));
        return switch (architecture) {
            case LLAMA -> loadLlama(gguf, name, RopeStyle.ADJACENT_PAIRS, threads, maxBatch);
        };
    }

    private static LanguageModel loadLlama(GgufFile gguf, String arch, RopeStyle ropeStyle, int threads, int maxBatch) {
        float[] freqFactors = gguf.findTensor("rope_freqs.weight").map(t -> vector(gguf, t.name(), -1)).orElse(null);
        LlamaConfig config = LlamaConfig.read(gguf, arch, ropeStyle, freqFactors);
        int dim = config.dim();
        WeightMatrix embedding = matrix(gguf, "token_embd.weight", config.vocabSize(), dim);
        LlamaWeights.Layer[] layers = new LlamaWeights.Layer[config.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "blk." + i + ".";
            layers[i] = new LlamaWeights.Layer(
                    vector(gguf, p + "attn_norm.weight", dim),
                    matrix(gguf, p + "attn_q.weight", config.queryWidth(), dim),
                    matrix(gguf, p + "attn_k.weight", config.keyWidth(), dim),
                    matrix(gguf, p + "attn_v.weight", config.valueWidth(), dim),
                    matrix(gguf, p + "attn_output.weight", dim, config.attentionWidth()),
                    vector(gguf, p + "ffn_norm.weight", dim),
                    matrix(gguf, p + "ffn_gate.weight", config.ffnDim(), dim),
                    matrix(gguf, p + "ffn_up.weight", config.ffnDim(), dim),
                    matrix(gguf, p + "ffn_down.weight", dim, config.ffnDim()));
        }
        WeightMatrix output = gguf.findTensor("output.weight").isPresent()
                ? matrix(gguf, "output.weight", config.vocabSize(), dim)
                : embedding; // tied embeddings
        LlamaWeights weights = new LlamaWeights(embedding, layers, vector(gguf, "output_norm.weight", dim), output);
        ModelSpec spec = new ModelSpec(arch, gguf.findString("general.name").orElse(gguf.path().getFileName().toString()),
                config.contextLength(), config.vocabSize(), parameterCount(gguf), dominantWeightType(gguf));
        return new LlamaModel(gguf, spec, config, weights, threads, maxBatch);
    }

    /** A 2-D weight of {@code rows x cols} (ggml shape {@code [cols, rows]}). */
    static WeightMatrix matrix(GgufFile gguf, String name, int rows, int cols) {
        TensorInfo t = gguf.tensor(name);
        if (t.dimensions() != 2 || t.dim(0) != cols || t.dim(1) != rows) {
            throw new InvalidModelException(gguf.path(), "tensor " + name + " has shape "
                    + java.util.Arrays.toString(t.shape()) + ", expected [" + cols + ", " + rows + "]");
        }
        return WeightMatrix.of(name, t.type(), gguf.tensorData(t), rows, cols);
    }

    /** A 1-D tensor of {@code length} values (any length if negative), widened to floats. */
    static float[] vector(GgufFile gguf, String name, int length) {
        TensorInfo t = gguf.tensor(name);
        if (t.dimensions() != 1 || (length >= 0 && t.dim(0) != length)) {
            throw new InvalidModelException(gguf.path(), "tensor " + name + " has shape "
                    + java.util.Arrays.toString(t.shape()) + ", expected [" + (length >= 0 ? length : "n") + "]");
        }
        int n = Math.toIntExact(t.dim(0));
        float[] values = new float[n];
        WeightMatrix.of(name, t.type(), gguf.tensorData(t), 1, n).dequantizeRow(0, values, 0);
        return values;
    }

    static long parameterCount(GgufFile gguf) {
        return gguf.tensors().values().stream().mapToLong(TensorInfo::elementCount).sum();
    }

    /** The type holding the most elements among 2-D tensors, as a quantization label ("Q4_0", "F16", ...). */
    static String dominantWeightType(GgufFile gguf) {
        Map<GgmlType, Long> elements = new EnumMap<>(GgmlType.class);
        for (TensorInfo t : gguf.tensors().values()) {
            if (t.dimensions() == 2) {
                elements.merge(t.type(), t.elementCount(), Long::sum);
            }
        }
        return elements.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().name()).orElse("F32");
    }
}
