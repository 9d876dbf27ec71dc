package org.infer4j.engine.convert;

import java.util.HashMap;
import java.util.Map;

/**
 * Glm4ForCausalLM (GLM-4-0414) → GGUF "glm4": GlmForCausalLM's layout plus a norm after attention
 * ({@code post_self_attn_layernorm}) and after the feed-forward network ({@code post_mlp_layernorm}).
 */
public record Glm4Architecture() implements SourceArchitecture {

    @Override
    public String ggufName() {
        return "glm4";
    }

    @Override
    public Map<String, String> layerTensors() {
        Map<String, String> names = new HashMap<>(ChatGlmArchitecture.glmLayerTensors());
        names.put("post_self_attn_layernorm", "post_attention_norm");
        names.put("post_mlp_layernorm", "post_ffw_norm");
        return Map.copyOf(names);
    }

    @Override
    public void completeSpecialTokens(SpecialTokenIds tokenizer) {
        ChatGlmArchitecture.glmSpecialTokens(tokenizer);
        tokenizer.setIfAbsent("bos", "<|endoftext|>");
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        out.archUint32("rope.dimension_count", ChatGlmArchitecture.rotaryDims(config));
        if (RopeScaling.parameters(config).containsKey("mrope_section")) {
            throw new UnsupportedCheckpointException(config.source() + ": multimodal rope (mrope_section) is not supported");
        }
    }
}
