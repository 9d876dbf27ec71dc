package org.infer4j.engine.convert;

import java.util.Map;

/**
 * GemmaForCausalLM → GGUF "gemma": the Llama decoder names, rotate-half RoPE kept as stored (llama.cpp runs gemma
 * with NeoX rope), every RMSNorm weight raised by 1 (transformers' GemmaRMSNorm scales by {@code 1 + w}), and
 * the output head always the token embedding, so a stored {@code lm_head.weight} is dropped.
 */
public record GemmaArchitecture() implements SourceArchitecture {

    @Override
    public String ggufName() {
        return "gemma";
    }

    @Override
    public Map<String, String> layerTensors() {
        return SourceArchitecture.decoderLayerTensors();
    }

    @Override
    public void addHyperParameters(HfConfig config, ArchMetadata out) {
        // convert_hf_to_gguf writes nothing beyond the common hyper-parameters (head_dim as key/value length)
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
        return normOffset(hfName);
    }

    /** 1 for the RMSNorm weights of every Gemma generation, which transformers applies as {@code 1 + w}. */
    static float normOffset(String hfName) {
        return hfName.endsWith("norm.weight") ? 1f : 0f;
    }
}
