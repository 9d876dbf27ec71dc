package org.infer4j.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Model families the engine runs, by their {@code general.architecture} name. All share one pre-norm
 * transformer skeleton ({@link TransformerModel}); each family states here, one property per method, only where
 * it differs from llama. Hyper-parameters that a file may set (windows, soft-caps, rope bases) are read by
 * {@link TransformerConfig}. Every property follows llama.cpp's graph for that architecture (src/models/*.cpp).
 */
public enum Architecture {
    /** Llama 1/2/3, Mistral, SmolLM, TinyLlama and other converters' "llama" files. */
    LLAMA("llama"),
    /** Qwen 2 / 2.5: Q/K/V biases, NeoX rope. */
    QWEN2("qwen2"),
    /** Qwen 3 (dense): RMSNorm of each Q and K head before rope, explicit head width. */
    QWEN3("qwen3"),
    /** Gemma 1: scaled embeddings, GELU-gated FFN, tied output. */
    GEMMA("gemma"),
    /** Gemma 2: as Gemma plus post-norms, sliding-window layers, attention and final logit soft-caps. */
    GEMMA2("gemma2"),
    /** Gemma 3: as Gemma 2 with Q/K norms, 5 local : 1 global layers, per-kind rope bases, no attention soft-cap. */
    GEMMA3("gemma3"),
    /** Phi-3 / 3.5: fused QKV and fused gate+up, NeoX rope, LongRoPE factors. */
    PHI3("phi3"),
    /** ChatGLM 3 / GLM-4 (first release): fused QKV with bias, rope on half of each head, fused gate+up. */
    CHATGLM("chatglm"),
    /** GLM-4-0414: as ChatGLM plus post-attention and post-FFN norms. */
    GLM4("glm4");

    private final String ggufName;

    Architecture(String ggufName) {
        this.ggufName = ggufName;
    }

    public String ggufName() {
        return ggufName;
    }

    public static Optional<Architecture> of(String ggufName) {
        return Arrays.stream(values()).filter(a -> a.ggufName.equals(ggufName)).findFirst();
    }

    static List<String> names() {
        return Arrays.stream(values()).map(Architecture::ggufName).toList();
    }

    /** Which elements of a head rotate together (llama.cpp's rope type NORM or NEOX for the architecture). */
    RopeStyle ropeStyle() {
        return switch (this) {
            case LLAMA, CHATGLM, GLM4 -> RopeStyle.ADJACENT_PAIRS;
            case QWEN2, QWEN3, GEMMA, GEMMA2, GEMMA3, PHI3 -> RopeStyle.HALVES;
        };
    }

    /** The gate's activation in the gated feed-forward network. */
    Activation activation() {
        return switch (this) {
            case LLAMA, QWEN2, QWEN3, PHI3, CHATGLM, GLM4 -> Activation.SILU;
            case GEMMA, GEMMA2, GEMMA3 -> Activation.GELU_TANH;
        };
    }

    /** Gemma multiplies the token embedding by sqrt(dim) before the first block. */
    boolean scalesEmbedding() {
        return switch (this) {
            case GEMMA, GEMMA2, GEMMA3 -> true;
            case LLAMA, QWEN2, QWEN3, PHI3, CHATGLM, GLM4 -> false;
        };
    }

    /** RMSNorm of each query and key head before rope ({@code attn_q_norm}, {@code attn_k_norm}). */
    boolean normsQueryAndKey() {
        return switch (this) {
            case QWEN3, GEMMA3 -> true;
            case LLAMA, QWEN2, GEMMA, GEMMA2, PHI3, CHATGLM, GLM4 -> false;
        };
    }

    /** RMSNorm of the attention and FFN outputs before they join the residual ({@code post_attention_norm}, {@code post_ffw_norm}). */
    boolean hasPostNorms() {
        return switch (this) {
            case GEMMA2, GEMMA3, GLM4 -> true;
            case LLAMA, QWEN2, QWEN3, GEMMA, PHI3, CHATGLM -> false;
        };
    }

    /** Gate and up projections stored as one {@code ffn_up} of 2 * ffnDim rows, gate first. */
    boolean fusesGateAndUp() {
        return switch (this) {
            case PHI3, CHATGLM, GLM4 -> true;
            case LLAMA, QWEN2, QWEN3, GEMMA, GEMMA2, GEMMA3 -> false;
        };
    }

    /** The output head is always the token embedding, even if the file holds an {@code output.weight}. */
    boolean alwaysTiesOutput() {
        return switch (this) {
            case GEMMA, GEMMA2 -> true;
            case LLAMA, QWEN2, QWEN3, GEMMA3, PHI3, CHATGLM, GLM4 -> false;
        };
    }

    /** An {@code output.bias} on the logits is read if present (llama.cpp reads it for these only). */
    boolean hasOutputBias() {
        return switch (this) {
            case QWEN2, PHI3 -> true;
            case LLAMA, QWEN3, GEMMA, GEMMA2, GEMMA3, CHATGLM, GLM4 -> false;
        };
    }
}
