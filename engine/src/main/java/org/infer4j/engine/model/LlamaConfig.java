package org.infer4j.engine.model;

import java.nio.file.Path;
import java.util.Locale;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.TensorInfo;

/**
 * Hyper-parameters of a llama-family transformer, read from the GGUF keys llama.cpp uses
 * ({@code <arch>.embedding_length}, ...).
 *
 * @param dim              model width ({@code embedding_length})
 * @param layers           transformer blocks ({@code block_count})
 * @param ffnDim           hidden width of the feed-forward network ({@code feed_forward_length})
 * @param heads            query heads ({@code attention.head_count})
 * @param kvHeads          key/value heads ({@code attention.head_count_kv}, default {@code heads})
 * @param keyDim           width of one query/key head ({@code attention.key_length}, default dim/heads)
 * @param valueDim         width of one value head ({@code attention.value_length}, default keyDim)
 * @param rmsEps           RMSNorm epsilon ({@code attention.layer_norm_rms_epsilon})
 * @param contextLength    trained context ({@code context_length})
 * @param vocabSize        rows of the token embedding
 * @param ropeBase         {@code rope.freq_base} (default 10000)
 * @param ropeDim          rotated dimensions of each head ({@code rope.dimension_count}, default keyDim)
 * @param ropeFreqScale    1 / {@code rope.scaling.factor} for linear scaling, else 1
 * @param ropeFreqFactors  per-frequency divisors ({@code rope_freqs.weight}, Llama 3.1+), or null
 * @param ropeStyle        which elements rotate together
 */
public record LlamaConfig(int dim, int layers, int ffnDim, int heads, int kvHeads, int keyDim, int valueDim, float rmsEps,
                          int contextLength, int vocabSize, float ropeBase, int ropeDim, float ropeFreqScale,
                          float[] ropeFreqFactors, RopeStyle ropeStyle) {

    public int queryWidth() {
        return heads * keyDim;
    }

    public int keyWidth() {
        return kvHeads * keyDim;
    }

    public int valueWidth() {
        return kvHeads * valueDim;
    }

    /** Width of the attention output (input of {@code attn_output}). */
    public int attentionWidth() {
        return heads * valueDim;
    }

    static LlamaConfig read(GgufFile gguf, String arch, RopeStyle ropeStyle, float[] ropeFreqFactors) {
        Path file = gguf.path();
        int dim = positive(gguf, arch + ".embedding_length", gguf.getInt(arch + ".embedding_length"));
        int layers = positive(gguf, arch + ".block_count", gguf.getInt(arch + ".block_count"));
        int ffnDim = positive(gguf, arch + ".feed_forward_length", gguf.getInt(arch + ".feed_forward_length"));
        int heads = positive(gguf, arch + ".attention.head_count", gguf.getInt(arch + ".attention.head_count"));
        int kvHeads = positive(gguf, arch + ".attention.head_count_kv", gguf.getInt(arch + ".attention.head_count_kv", heads));
        if (heads % kvHeads != 0) {
            throw new InvalidModelException(file, arch + ".attention.head_count (" + heads + ") is not a multiple of "
                    + arch + ".attention.head_count_kv (" + kvHeads + ")");
        }
        String keyLengthKey = arch + ".attention.key_length";
        if (!gguf.has(keyLengthKey) && dim % heads != 0) {
            throw new InvalidModelException(file, arch + ".embedding_length (" + dim + ") is not a multiple of "
                    + arch + ".attention.head_count (" + heads + ") and " + keyLengthKey + " is missing");
        }
        int keyDim = positive(gguf, keyLengthKey, gguf.getInt(keyLengthKey, dim / heads));
        int valueDim = positive(gguf, arch + ".attention.value_length", gguf.getInt(arch + ".attention.value_length", keyDim));
        float eps = gguf.getFloat(arch + ".attention.layer_norm_rms_epsilon");
        int contextLength = positive(gguf, arch + ".context_length", gguf.getInt(arch + ".context_length"));
        float ropeBase = gguf.getFloat(arch + ".rope.freq_base", 10000f);
        int ropeDim = positive(gguf, arch + ".rope.dimension_count", gguf.getInt(arch + ".rope.dimension_count", keyDim));
        if (ropeDim > keyDim || ropeDim % 2 != 0) {
            throw new InvalidModelException(file, arch + ".rope.dimension_count (" + ropeDim
                    + ") must be even and at most the head width " + keyDim);
        }
        float freqScale = ropeFreqScale(gguf, arch);
        if (ropeFreqFactors != null && ropeFreqFactors.length != ropeDim / 2) {
            throw new InvalidModelException(file, "rope_freqs.weight has " + ropeFreqFactors.length
                    + " values, expected rope.dimension_count / 2 = " + ropeDim / 2);
        }
        TensorInfo embedding = gguf.tensor("token_embd.weight");
        if (embedding.dimensions() != 2 || embedding.dim(0) != dim) {
            throw new InvalidModelException(file, "token_embd.weight has shape " + java.util.Arrays.toString(embedding.shape())
                    + ", expected [" + dim + ", vocab]");
        }
        int vocab = Math.toIntExact(embedding.dim(1));
        if (gguf.has("tokenizer.ggml.tokens")) {
            int tokens = gguf.getArray("tokenizer.ggml.tokens").size();
            if (tokens != vocab) {
                throw new InvalidModelException(file, "tokenizer.ggml.tokens has " + tokens
                        + " entries but token_embd.weight has " + vocab + " rows");
            }
        }
        return new LlamaConfig(dim, layers, ffnDim, heads, kvHeads, keyDim, valueDim, eps, contextLength, vocab,
                ropeBase, ropeDim, freqScale, ropeFreqFactors, ropeStyle);
    }

    private static float ropeFreqScale(GgufFile gguf, String arch) {
        String typeKey = arch + ".rope.scaling.type";
        String type = gguf.findString(typeKey).orElse("none").toLowerCase(Locale.ROOT);
        float factor = gguf.getFloat(arch + ".rope.scaling.factor", 0f);
        return switch (type) {
            case "none" -> 1f;
            case "linear" -> {
                if (!(factor > 0)) {
                    throw new InvalidModelException(gguf.path(), typeKey + " is linear but " + arch
                            + ".rope.scaling.factor is missing or not positive");
                }
                yield 1f / factor;
            }
            default -> throw new InvalidModelException(gguf.path(), typeKey + " \"" + type
                    + "\" is not supported (none, linear; llama3 scaling comes as rope_freqs.weight)");
        };
    }

    private static int positive(GgufFile gguf, String key, int value) {
        if (value <= 0) {
            throw new InvalidModelException(gguf.path(), key + " must be positive, found " + value);
        }
        return value;
    }
}
