package org.infer4j.engine.convert;

import java.util.Map;

/**
 * Qwen2ForCausalLM → GGUF "qwen2": the Llama decoder names (Q/K/V carry biases, picked up by the common
 * {@code .bias} mapping) and no row permutation, because llama.cpp runs qwen2 with NeoX-style (rotate-half)
 * RoPE, the layout Hugging Face stores.
 */
public record Qwen2Architecture() implements SourceArchitecture {

    @Override
    public String ggufName() {
        return "qwen2";
    }

    @Override
    public Map<String, String> layerTensors() {
        return SourceArchitecture.decoderLayerTensors();
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        // convert_hf_to_gguf writes nothing beyond the common hyper-parameters for Qwen2
    }
}
