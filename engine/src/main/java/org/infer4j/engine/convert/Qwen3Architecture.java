package org.infer4j.engine.convert;

import java.util.HashMap;
import java.util.Map;

/**
 * Qwen3ForCausalLM → GGUF "qwen3": Qwen2's layout plus per-head RMS norms on queries and keys
 * ({@code q_norm}, {@code k_norm}), no biases, and usually an explicit {@code head_dim} (written as key/value length).
 */
public record Qwen3Architecture() implements SourceArchitecture {

    @Override
    public String ggufName() {
        return "qwen3";
    }

    @Override
    public Map<String, String> layerTensors() {
        Map<String, String> names = new HashMap<>(SourceArchitecture.decoderLayerTensors());
        names.put("self_attn.q_norm", "attn_q_norm");
        names.put("self_attn.k_norm", "attn_k_norm");
        return Map.copyOf(names);
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        // convert_hf_to_gguf writes nothing beyond the common hyper-parameters for Qwen3
    }
}
