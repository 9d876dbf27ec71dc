package org.infer4j.engine.convert;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face model family the converter knows, named by config.json's {@code architectures}: which GGUF
 * architecture it becomes, which per-layer tensors it has, the hyper-parameters it adds beyond the common
 * ones, and the tensor rewrites llama.cpp expects. One small class per family.
 */
public sealed interface SourceArchitecture permits LlamaArchitecture, Qwen2Architecture, Qwen3Architecture,
        GemmaArchitecture, Gemma2Architecture, Gemma3Architecture, Phi3Architecture, ChatGlmArchitecture, Glm4Architecture {

    /** The family for {@code hfArchitecture} (e.g. "LlamaForCausalLM"), or an {@link UnsupportedCheckpointException}. */
    static SourceArchitecture forName(String hfArchitecture) {
        return switch (hfArchitecture) {
            case "LlamaForCausalLM", "MistralForCausalLM" -> new LlamaArchitecture();
            case "Qwen2ForCausalLM" -> new Qwen2Architecture();
            case "Qwen3ForCausalLM" -> new Qwen3Architecture();
            case "GemmaForCausalLM" -> new GemmaArchitecture();
            case "Gemma2ForCausalLM" -> new Gemma2Architecture();
            case "Gemma3ForCausalLM" -> new Gemma3Architecture();
            case "Phi3ForCausalLM" -> new Phi3Architecture();
            case "GlmForCausalLM" -> new ChatGlmArchitecture();
            case "Glm4ForCausalLM" -> new Glm4Architecture();
            default -> throw new UnsupportedCheckpointException("unsupported model architecture " + hfArchitecture
                    + "; supported: " + String.join(", ", SUPPORTED));
        };
    }

    /** The config.json architectures the converter reads, in the order they are listed to users. */
    List<String> SUPPORTED = List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM",
            "GemmaForCausalLM", "Gemma2ForCausalLM", "Gemma3ForCausalLM", "Phi3ForCausalLM", "GlmForCausalLM",
            "Glm4ForCausalLM");

    /** {@code general.architecture}. */
    String ggufName();

    /**
     * Per-layer tensors: the Hugging Face name after {@code model.layers.N.} without its {@code .weight} or
     * {@code .bias}, mapped to the GGUF name after {@code blk.N.}.
     */
    Map<String, String> layerTensors();

    /** Keys written after the common hyper-parameters and {@code general.file_type}. */
    void addHyperParameters(HfConfig config, ArchMetadata out);

    /** The Q/K row permutation for a GGUF tensor, if this family needs one. */
    default Optional<RopePermutation> permutation(String ggufTensor, HfConfig config) {
        return Optional.empty();
    }

    /** Tensors computed from the configuration rather than read (e.g. Llama 3 rope_freqs), written first. */
    default List<GeneratedTensor> generatedTensors(HfConfig config) {
        return List.of();
    }

    /**
     * transformers' default of {@code tie_word_embeddings} for the family's config class. config.json omits
     * values equal to the class default, so a missing key means this, not false.
     */
    default boolean tiesEmbeddingsByDefault() {
        return false;
    }

    /** Whether llama.cpp always projects with the token embedding, so an {@code lm_head.weight} is dropped. */
    default boolean dropsOutputHead() {
        return false;
    }

    /**
     * What to add to every element of a checkpoint tensor (by its Hugging Face name) before writing it: Gemma's
     * RMSNorm multiplies by {@code 1 + w} where llama.cpp multiplies by the stored weight, so its norms get 1.
     */
    default float addend(String hfName) {
        return 0f;
    }

    /**
     * Special-token ids the family's converter in llama.cpp fills in where tokenizer_config.json names none
     * (GLM: end-of-turn {@code <|user|>}), set into the imported {@code tokenizer.*} metadata.
     */
    default void completeSpecialTokens(SpecialTokenIds tokenizer) {
    }

    /** The per-layer names every Llama-like decoder shares. */
    static Map<String, String> decoderLayerTensors() {
        return Map.of(
                "input_layernorm", "attn_norm",
                "self_attn.q_proj", "attn_q",
                "self_attn.k_proj", "attn_k",
                "self_attn.v_proj", "attn_v",
                "self_attn.o_proj", "attn_output",
                "post_attention_layernorm", "ffn_norm",
                "mlp.gate_proj", "ffn_gate",
                "mlp.up_proj", "ffn_up",
                "mlp.down_proj", "ffn_down");
    }
}
