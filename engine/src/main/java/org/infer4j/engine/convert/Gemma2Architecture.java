package org.infer4j.engine.convert;

import java.util.Map;

/**
 * Gemma2ForCausalLM → GGUF "gemma2": Gemma's rewrites (norms + 1, output head = embedding) plus post-attention and
 * post-FFN norms, attention and final logit soft-caps, and a sliding window on every other layer.
 */
public record Gemma2Architecture() implements SourceArchitecture {
    private static final long LAYERS_27B = 46;

    @Override
    public String ggufName() {
        return "gemma2";
    }

    @Override
    public Map<String, String> layerTensors() {
        return GemmaLayout.layerTensors(false);
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        GemmaLayout.checkQueryScale(config, LAYERS_27B);
        // transformers' Gemma2Config defaults, which config.json leaves out when unchanged
        out.archFloat32("attn_logit_softcapping", config.findDouble("attn_logit_softcapping").orElse(50.0));
        out.archFloat32("final_logit_softcapping", config.findDouble("final_logit_softcapping").orElse(30.0));
        out.archUint32("attention.sliding_window", config.findLong("sliding_window").orElse(4096L));
        GemmaLayout.writeSlidingPattern(config, out, 2);
    }

    @Override
    public boolean tiesEmbeddingsByDefault() {
        return true;
    }

    @Override
    public boolean dropsOutputHead() {
        return true;
    }

    @Override
    public float addend(String hfName) {
        return GemmaArchitecture.normOffset(hfName);
    }
}
