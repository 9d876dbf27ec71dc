package org.infer4j.engine.convert;

import java.util.HashMap;
import java.util.Map;

/**
 * GlmForCausalLM (GLM-4 first release in transformers' layout, e.g. glm-4-9b-chat-hf) → GGUF "chatglm": Llama names
 * with Q/K/V biases and a fused {@code gate_up_proj} ({@code ffn_up}, gate rows first), and RoPE on the first
 * {@code partial_rotary_factor} (default half) of each head. transformers' GLM rotates adjacent pairs, as llama.cpp
 * does for chatglm, so no rows move.
 */
public record ChatGlmArchitecture() implements SourceArchitecture {

    @Override
    public String ggufName() {
        return "chatglm";
    }

    @Override
    public Map<String, String> layerTensors() {
        return glmLayerTensors();
    }

    static Map<String, String> glmLayerTensors() {
        Map<String, String> names = new HashMap<>(SourceArchitecture.decoderLayerTensors());
        names.remove("mlp.gate_proj");
        names.remove("mlp.up_proj");
        names.put("mlp.gate_up_proj", "ffn_up");
        return Map.copyOf(names);
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        out.archUint32("rope.dimension_count", rotaryDims(config));
        // the original ChatGLM configs name the context seq_length and scale the base by rope_ratio
        config.findLong("seq_length").ifPresent(n -> out.archUint32("context_length", n));
        if (config.findDouble("rope_theta").isEmpty()) {
            out.archFloat32("rope.freq_base", 10000 * config.findDouble("rope_ratio").orElse(1.0));
        }
    }

    @Override
    public void completeSpecialTokens(SpecialTokenIds tokenizer) {
        glmSpecialTokens(tokenizer);
    }

    /** As convert_hf_to_gguf for GLM: a turn ends at the next {@code <|user|>}; end of text doubles as unknown. */
    static void glmSpecialTokens(SpecialTokenIds tokenizer) {
        tokenizer.setIfAbsent("eos", "<|endoftext|>");
        tokenizer.setIfAbsent("eot", "<|user|>");
        tokenizer.setIfAbsent("unknown", "<|endoftext|>");
    }

    /** Rotated dimensions of each head: {@code head_dim * partial_rotary_factor}. */
    static long rotaryDims(HfConfig config) {
        long headDim = config.findLong("head_dim")
                .orElseGet(() -> config.requireLong("hidden_size") / config.requireLong("num_attention_heads"));
        return (long) (headDim * RopeScaling.partialRotaryFactor(config, 0.5));
    }
}
