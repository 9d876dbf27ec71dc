package org.infer4j.engine.convert;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What Gemma 2 and Gemma 3 share beyond Gemma 1: a norm after attention and around the feed-forward network,
 * sliding-window layers in a fixed period, and a query scale llama.cpp derives instead of reading it.
 */
final class GemmaLayout {
    private GemmaLayout() {}

    /** Gemma 2/3 names: HF's post_attention_layernorm follows attention; the FFN has its own pre and post norms. */
    static Map<String, String> layerTensors(boolean qkNorm) {
        Map<String, String> names = new HashMap<>(SourceArchitecture.decoderLayerTensors());
        names.put("post_attention_layernorm", "post_attention_norm");
        names.put("pre_feedforward_layernorm", "ffn_norm");
        names.put("post_feedforward_layernorm", "post_ffw_norm");
        if (qkNorm) {
            names.put("self_attn.q_norm", "attn_q_norm");
            names.put("self_attn.k_norm", "attn_k_norm");
        }
        return Map.copyOf(names);
    }

    /**
     * Writes {@code attention.sliding_window_pattern} when the checkpoint's layer kinds differ from llama.cpp's
     * default period (Gemma 2: every other layer slides, Gemma 3: five of six), which llama.cpp then reads; a
     * layer order that is not periodic cannot be expressed and is refused.
     */
    static void writeSlidingPattern(HfConfig config, ArchMetadata out, int defaultPeriod) {
        long layers = config.requireLong("num_hidden_layers");
        int period = defaultPeriod;
        if (config.find("layer_types").orElse(null) instanceof List<?> types) {
            if (types.size() != layers) {
                throw new CheckpointFormatException(config.source() + ": layer_types has " + types.size() + " entries for "
                        + layers + " layers");
            }
            period = periodOf(config, types);
        } else if (config.findLong("sliding_window_pattern").isPresent()) {
            period = Math.toIntExact(config.requireLong("sliding_window_pattern"));
        }
        if (period != defaultPeriod) {
            out.archUint32("attention.sliding_window_pattern", period);
        }
    }

    /** n such that layers i with {@code i % n < n - 1} slide and the others attend globally (0 = all slide). */
    private static int periodOf(HfConfig config, List<?> types) {
        int firstGlobal = types.indexOf("full_attention");
        int period = firstGlobal < 0 ? 0 : firstGlobal + 1;
        for (int i = 0; i < types.size(); i++) {
            boolean sliding = period == 0 || i % period < period - 1;
            if (!types.get(i).equals(sliding ? "sliding_attention" : "full_attention")) {
                throw new UnsupportedCheckpointException(config.source() + ": layer_types " + types
                        + " do not repeat a fixed sliding/global period, which llama.cpp cannot express");
            }
        }
        return period;
    }

    /**
     * llama.cpp scales queries by {@code head_dim^-1/2}, or {@code (hidden / heads)^-1/2} for the 27B models it
     * recognises by {@code layers27B}, and does not read {@code query_pre_attn_scalar}; a checkpoint asking for
     * another scale would be converted into a different model, so it is refused.
     */
    static void checkQueryScale(HfConfig config, long layers27B) {
        long layers = config.requireLong("num_hidden_layers");
        long heads = config.requireLong("num_attention_heads");
        long headDim = config.findLong("head_dim").orElse(config.requireLong("hidden_size") / heads);
        long expected = layers == layers27B ? config.requireLong("hidden_size") / heads : headDim;
        config.findDouble("query_pre_attn_scalar").ifPresent(scalar -> {
            if (scalar != expected) {
                throw new UnsupportedCheckpointException(config.source() + ": query_pre_attn_scalar " + scalar
                        + " differs from the " + expected + " llama.cpp derives for this shape");
            }
        });
    }
}
