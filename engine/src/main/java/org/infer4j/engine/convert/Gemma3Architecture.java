package org.infer4j.engine.convert;

import java.util.Map;

/**
 * Gemma3ForCausalLM (text only) → GGUF "gemma3": Gemma 2's layout with RMS norms on each query and key head (also
 * raised by 1), no attention soft-cap, five sliding-window layers to one global, global layers on
 * {@code rope_theta} (with its scaling) and local ones on {@code rope_local_base_freq}. Unlike Gemma 1/2 a separate
 * {@code lm_head.weight} is honoured.
 */
public record Gemma3Architecture() implements SourceArchitecture {
    private static final long LAYERS_27B = 62;

    @Override
    public String ggufName() {
        return "gemma3";
    }

    @Override
    public Map<String, String> layerTensors() {
        return GemmaLayout.layerTensors(true);
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        GemmaLayout.checkQueryScale(config, LAYERS_27B);
        if (config.find("attn_logit_softcapping").isPresent()) {
            throw new UnsupportedCheckpointException(config.source() + ": Gemma 3 has no attention soft-cap, but "
                    + "attn_logit_softcapping is set");
        }
        // Gemma3TextConfig's defaults for keys config.json may leave out (as convert_hf_to_gguf fills them in)
        String arch = out.arch() + ".";
        if (!out.values().containsKey(arch + "rope.freq_base")) {
            out.archFloat32("rope.freq_base", 1_000_000.0);
        }
        if (!out.values().containsKey(arch + "context_length")) {
            out.archUint32("context_length", 131072);
        }
        if (!out.values().containsKey(arch + "attention.key_length")) {
            out.archUint32("attention.key_length", 256);
            out.archUint32("attention.value_length", 256);
        }
        if (!out.values().containsKey(arch + "attention.head_count")) {
            out.archUint32("attention.head_count", 8);
        }
        if (!out.values().containsKey(arch + "attention.head_count_kv")) {
            out.archUint32("attention.head_count_kv", 4);
        }
        if (!out.values().containsKey(arch + "attention.layer_norm_rms_epsilon")) {
            out.archFloat32("attention.layer_norm_rms_epsilon", 1e-6);
        }
        config.findDouble("final_logit_softcapping").filter(c -> c != 0)
                .ifPresent(c -> out.archFloat32("final_logit_softcapping", c));
        if (config.findLong("sliding_window_pattern").orElse(6L) != 1) {
            out.archUint32("attention.sliding_window", config.findLong("sliding_window").orElse(4096L));
            GemmaLayout.writeSlidingPattern(config, out, 6);
        }
    }

    @Override
    public boolean tiesEmbeddingsByDefault() {
        return true;
    }

    @Override
    public float addend(String hfName) {
        return GemmaArchitecture.normOffset(hfName);
    }
}
