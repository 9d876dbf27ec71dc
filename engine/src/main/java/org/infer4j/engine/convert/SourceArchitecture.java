package org.infer4j.engine.convert;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face model family the converter knows, named by config.json's {@code architectures}: which GGUF
 * architecture it becomes, which per-layer tensors it has, the hyper-parameters it adds beyond the common
 * ones, and the tensor rewrites llama.cpp expects. One small class per family.
 */
public sealed interface SourceArchitecture permits LlamaArchitecture, Qwen2Architecture, Qwen3Architecture {

    /** The family for {@code hfArchitecture} (e.g. "LlamaForCausalLM"), or an {@link UnsupportedCheckpointException}. */
    static SourceArchitecture forName(String hfArchitecture) {
        return switch (hfArchitecture) {
            case "LlamaForCausalLM", "MistralForCausalLM" -> new LlamaArchitecture();
            case "Qwen2ForCausalLM" -> new Qwen2Architecture();
            case "Qwen3ForCausalLM" -> new Qwen3Architecture();
            default -> throw new UnsupportedCheckpointException("unsupported model architecture " + hfArchitecture
                    + "; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM");
        };
    }

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
    Optional<RopePermutation> permutation(String ggufTensor, HfConfig config);

    /** Tensors computed from the configuration rather than read (e.g. Llama 3 rope_freqs). */
    List<GeneratedTensor> generatedTensors(HfConfig config);

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
