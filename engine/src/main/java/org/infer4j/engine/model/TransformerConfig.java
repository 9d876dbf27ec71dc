package org.infer4j.engine.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.TensorInfo;

/**
 * Hyper-parameters of one model, read from the GGUF keys llama.cpp reads for its architecture
 * ({@code <arch>.embedding_length}, ...), with the family's fixed traits ({@link Architecture}) resolved.
 *
 * @param architecture     the family
 * @param dim              model width ({@code embedding_length})
 * @param layers           transformer blocks ({@code block_count})
 * @param ffnDim           hidden width of the feed-forward network ({@code feed_forward_length})
 * @param heads            query heads ({@code attention.head_count})
 * @param kvHeads          key/value heads ({@code attention.head_count_kv}, default {@code heads})
 * @param keyDim           width of one query/key head ({@code attention.key_length}, default dim/heads)
 * @param valueDim         width of one value head ({@code attention.value_length}, default dim/heads)
 * @param rmsEps           RMSNorm epsilon ({@code attention.layer_norm_rms_epsilon})
 * @param contextLength    trained context ({@code context_length})
 * @param vocabSize        rows of the token embedding
 * @param ropeDim          rotated dimensions of each head ({@code rope.dimension_count}, default keyDim)
 * @param ropeStyle        which elements rotate together
 * @param globalRope       rope of full-attention layers ({@code rope.freq_base}, {@code rope.scaling.*})
 * @param localRope        rope of sliding-window layers ({@code rope.freq_base_swa}); {@code globalRope} if none
 * @param ropeFactors      per-frequency divisors (Llama 3.1 {@code rope_freqs}, Phi-3 LongRoPE), or null
 * @param slidingWindow    positions a sliding-window layer sees, itself included ({@code attention.sliding_window})
 * @param slidingLayers    which layers use the sliding window (all false when there is none)
 * @param embeddingScale   factor on the token embedding (gemma: sqrt(dim), else 1)
 * @param queryScale       factor on q·k before the softmax
 * @param activation       activation of the FFN gate
 * @param attentionSoftCap c in {@code c * tanh(score / c)} on attention scores, or 0 for none
 * @param finalSoftCap     the same on the output logits, or 0 for none
 */
public record TransformerConfig(Architecture architecture, int dim, int layers, int ffnDim, int heads, int kvHeads,
                                int keyDim, int valueDim, float rmsEps, int contextLength, int vocabSize, int ropeDim,
                                RopeStyle ropeStyle, Rope globalRope, Rope localRope, RopeFactors ropeFactors,
                                int slidingWindow, boolean[] slidingLayers, float embeddingScale, float queryScale,
                                Activation activation, float attentionSoftCap, float finalSoftCap) {

    /**
     * One rope frequency set: angle i at position p is {@code p * freqScale * base^(-2i/ropeDim) / factor[i]},
     * and cos/sin are multiplied by {@code attnFactor} (LongRoPE's magnitude scale, else 1).
     */
    public record Rope(float base, float freqScale, float attnFactor) {}

    /**
     * Per-frequency divisors of the rope angles, {@code ropeDim / 2} each: {@code whenShort} for sequences that fit
     * {@code originalContext}, {@code whenLong} beyond it (Phi-3 LongRoPE); Llama 3.1's single set is both.
     */
    public record RopeFactors(float[] whenShort, float[] whenLong, int originalContext) {
        float[] forCapacity(int capacity) {
            return capacity > originalContext ? whenLong : whenShort;
        }
    }

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

    public boolean isSliding(int layer) {
        return slidingLayers[layer];
    }

    public Rope rope(int layer) {
        return slidingLayers[layer] ? localRope : globalRope;
    }

    static TransformerConfig read(GgufFile gguf, Architecture architecture, RopeFactors ropeFactors) {
        Keys keys = new Keys(gguf, architecture.ggufName());
        Path file = gguf.path();
        int dim = keys.positive("embedding_length");
        int layers = keys.positive("block_count");
        int ffnDim = keys.positive("feed_forward_length");
        int heads = keys.positive("attention.head_count");
        int kvHeads = keys.positive("attention.head_count_kv", heads);
        if (heads % kvHeads != 0) {
            throw keys.invalid("attention.head_count (" + heads + ") is not a multiple of " + keys.name("attention.head_count_kv")
                    + " (" + kvHeads + ")");
        }
        if ((!keys.has("attention.key_length") || !keys.has("attention.value_length")) && dim % heads != 0) {
            throw keys.invalid("embedding_length (" + dim + ") is not a multiple of " + keys.name("attention.head_count")
                    + " (" + heads + ") and " + keys.name("attention.key_length") + " or value_length is missing");
        }
        int keyDim = keys.positive("attention.key_length", dim / heads);
        int valueDim = keys.positive("attention.value_length", dim / heads);
        float eps = keys.requiredFloat("attention.layer_norm_rms_epsilon");
        int contextLength = keys.positive("context_length");
        int ropeDim = keys.positive("rope.dimension_count", keyDim);
        if (ropeDim > keyDim || ropeDim % 2 != 0) {
            throw keys.invalid("rope.dimension_count (" + ropeDim + ") must be even and at most the head width " + keyDim);
        }
        if (architecture == Architecture.LLAMA && ropeDim != keyDim) {
            throw keys.invalid("rope.dimension_count (" + ropeDim + ") must equal the head width " + keyDim + " for llama");
        }
        if (architecture == Architecture.GLM4 && gguf.findArray(keys.name("rope.dimension_sections"))
                .map(s -> s.size() > 1 && s.longs()[0] > 0 && s.longs()[1] > 0).orElse(false)) {
            throw keys.invalid("rope.dimension_sections asks for multimodal rope (M-RoPE), which is not supported");
        }
        if (architecture.normsQueryAndKey() || architecture.hasPostNorms() || architecture == Architecture.QWEN2
                || architecture == Architecture.PHI3 || architecture == Architecture.CHATGLM) {
            // llama.cpp sizes attn_output {heads * keyDim, dim} and, for these, asserts equal Q/K/V head widths.
            if (keyDim != valueDim) {
                throw keys.invalid("attention.key_length (" + keyDim + ") differs from attention.value_length ("
                        + valueDim + "), which " + architecture.ggufName() + " does not allow");
            }
        }
        if (ropeFactors != null && (ropeFactors.whenShort().length != ropeDim / 2 || ropeFactors.whenLong().length != ropeDim / 2)) {
            throw new InvalidModelException(file, "rope frequency factors have " + ropeFactors.whenShort().length
                    + " values, expected rope.dimension_count / 2 = " + ropeDim / 2);
        }

        Rope globalRope = new Rope(keys.floatOr("rope.freq_base", 10000f), ropeFreqScale(keys),
                keys.floatOr("rope.scaling.attn_factor", 1f));
        int slidingWindow = 0;
        boolean[] sliding = new boolean[layers];
        Rope localRope = globalRope;
        float attentionSoftCap = 0;
        float finalSoftCap = 0;
        float queryScale = (float) (1 / Math.sqrt(keyDim));
        switch (architecture) {
            case LLAMA, QWEN2, QWEN3, GEMMA, CHATGLM, GLM4 -> { }
            case PHI3 -> { } // llama.cpp ignores phi3.attention.sliding_window (its converters set it wrongly)
            case GEMMA2 -> {
                slidingWindow = keys.positive("attention.sliding_window", 4096);
                sliding = slidingPattern(keys, layers, 2);
                localRope = new Rope(keys.floatOr("rope.freq_base_swa", globalRope.base()), globalRope.freqScale(), globalRope.attnFactor());
                attentionSoftCap = keys.floatOr("attn_logit_softcapping", 50f);
                finalSoftCap = keys.floatOr("final_logit_softcapping", 30f);
                queryScale = gemmaQueryScale(layers == 46, dim, heads, keyDim);
            }
            case GEMMA3 -> {
                slidingWindow = keys.intOr("attention.sliding_window", 0);
                if (slidingWindow > 0) {
                    sliding = slidingPattern(keys, layers, 6);
                    localRope = new Rope(keys.floatOr("rope.freq_base_swa", 10000f), 1f, globalRope.attnFactor());
                }
                finalSoftCap = keys.floatOr("final_logit_softcapping", 0f);
                queryScale = gemmaQueryScale(layers == 62, dim, heads, keyDim);
            }
        }

        TensorInfo embedding = gguf.findTensor("token_embd.weight")
                .orElseThrow(() -> new InvalidModelException(file, "missing tensor token_embd.weight"));
        if (embedding.dimensions() != 2 || embedding.dim(0) != dim) {
            throw new InvalidModelException(file, "token_embd.weight has shape " + Arrays.toString(embedding.shape())
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
        float embeddingScale = architecture.scalesEmbedding() ? (float) Math.sqrt(dim) : 1f;
        return new TransformerConfig(architecture, dim, layers, ffnDim, heads, kvHeads, keyDim, valueDim, eps,
                contextLength, vocab, ropeDim, architecture.ropeStyle(), globalRope, localRope, ropeFactors,
                slidingWindow, sliding, embeddingScale, queryScale, architecture.activation(), attentionSoftCap,
                finalSoftCap);
    }

    /**
     * Gemma 2 and 3 scale queries by {@code query_pre_attn_scalar^-1/2}, which the GGUF does not carry: it is
     * the head width except for the 27B models (dim / heads). llama.cpp recognises those by their layer count,
     * and so do we.
     */
    private static float gemmaQueryScale(boolean is27B, int dim, int heads, int keyDim) {
        return (float) (1 / Math.sqrt(is27B ? (double) (dim / heads) : keyDim));
    }

    /**
     * Which layers slide: {@code attention.sliding_window_pattern} as a per-layer boolean array, or as n
     * meaning "n - 1 sliding layers, then one global", default {@code defaultPattern}.
     */
    private static boolean[] slidingPattern(Keys keys, int layers, int defaultPattern) {
        String key = keys.name("attention.sliding_window_pattern");
        boolean[] sliding = new boolean[layers];
        var array = keys.gguf.findArray(key);
        if (array.isPresent()) {
            boolean[] values = array.get().booleans();
            if (values.length < layers) {
                throw keys.invalid("attention.sliding_window_pattern has " + values.length + " entries for " + layers + " layers");
            }
            System.arraycopy(values, 0, sliding, 0, layers);
            return sliding;
        }
        int pattern = keys.intOr("attention.sliding_window_pattern", defaultPattern);
        for (int l = 0; l < layers; l++) {
            sliding[l] = pattern == 0 || l % pattern < pattern - 1;
        }
        return sliding;
    }

    /**
     * 1 / {@code rope.scaling.factor}. As in llama.cpp the factor applies unless the type says "none"; an absent
     * type means linear. YaRN, which changes the angles' interpolation per frequency, is not supported.
     */
    private static float ropeFreqScale(Keys keys) {
        String type = keys.gguf.findString(keys.name("rope.scaling.type")).orElse("linear").toLowerCase(Locale.ROOT);
        float factor = keys.floatOr("rope.scaling.factor", 0f);
        return switch (type) {
            case "none" -> 1f;
            case "linear", "longrope" -> {
                if (factor < 0 || (type.equals("linear") && keys.has("rope.scaling.type") && !(factor > 0))) {
                    throw keys.invalid("rope.scaling.type is " + type + " but " + keys.name("rope.scaling.factor")
                            + " is missing or not positive");
                }
                yield factor == 0 ? 1f : 1f / factor;
            }
            default -> throw keys.invalid("rope.scaling.type \"" + type
                    + "\" is not supported (none, linear, longrope; llama3 scaling comes as rope_freqs.weight)");
        };
    }

    /** Reads {@code <arch>.<suffix>} keys; a missing required key or bad value is an {@link InvalidModelException} naming it. */
    private record Keys(GgufFile gguf, String arch) {
        String name(String suffix) {
            return arch + "." + suffix;
        }

        boolean has(String suffix) {
            return gguf.has(name(suffix));
        }

        InvalidModelException invalid(String message) {
            return new InvalidModelException(gguf.path(), arch + "." + message);
        }

        int positive(String suffix) {
            if (!has(suffix)) {
                throw new InvalidModelException(gguf.path(), "missing metadata key " + name(suffix));
            }
            return positive(suffix, 0);
        }

        int positive(String suffix, int defaultValue) {
            int value = gguf.getInt(name(suffix), defaultValue);
            if (value <= 0) {
                throw invalid(suffix + " must be positive, found " + value);
            }
            return value;
        }

        int intOr(String suffix, int defaultValue) {
            return gguf.getInt(name(suffix), defaultValue);
        }

        float requiredFloat(String suffix) {
            if (!has(suffix)) {
                throw new InvalidModelException(gguf.path(), "missing metadata key " + name(suffix));
            }
            return gguf.getFloat(name(suffix));
        }

        float floatOr(String suffix, float defaultValue) {
            return gguf.getFloat(name(suffix), defaultValue);
        }
    }
}
