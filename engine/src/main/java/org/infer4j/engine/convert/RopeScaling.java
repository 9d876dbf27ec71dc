package org.infer4j.engine.convert;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The rope keys convert_hf_to_gguf writes for every text model: {@code rope_parameters} (transformers 5)
 * or {@code rope_scaling}, with the top-level {@code rope_theta} mirrored in, then the scaling type and
 * its factors as llama.cpp names them.
 */
final class RopeScaling {
    private RopeScaling() {}

    /** The effective rope parameters of {@code config} ({@code full_attention} entry when split by layer type). */
    static Map<String, Object> parameters(HfConfig config) {
        Map<String, Object> params = new LinkedHashMap<>(raw(config));
        if (params.get("full_attention") instanceof Map<?, ?> full) {
            Map<String, Object> out = new LinkedHashMap<>();
            full.forEach((k, v) -> out.put((String) k, v));
            return out;
        }
        if (!params.containsKey("rope_theta")) {
            config.findDouble("global_rope_theta", "rope_global_theta", "rope_theta_global", "rope_theta", "rotary_emb_base")
                    .ifPresent(theta -> params.put("rope_theta", theta));
        }
        if (!params.containsKey("rope_type") && params.get("type") != null) {
            params.put("rope_type", params.get("type"));
        }
        if (!params.containsKey("original_max_position_embeddings")) {
            config.findLong("original_max_position_embeddings").ifPresent(v -> params.put("original_max_position_embeddings", v));
        }
        return params;
    }

    private static Map<String, Object> raw(HfConfig config) {
        return config.object("rope_parameters").isEmpty() ? config.object("rope_scaling") : config.object("rope_parameters");
    }

    /**
     * The rope base of sliding-window layers, where a family gives them their own (Gemma 3's
     * {@code rope_local_base_freq}, or the {@code sliding_attention} entry of transformers 5's rope_parameters).
     */
    static Optional<Double> localTheta(HfConfig config) {
        Map<String, Object> raw = raw(config);
        if (raw.get("sliding_attention") instanceof Map<?, ?> local) {
            return local.get("rope_theta") instanceof Number n ? Optional.of(n.doubleValue()) : Optional.empty();
        }
        if (raw.containsKey("full_attention")) {
            return Optional.empty();
        }
        return config.findDouble("local_rope_theta", "rope_local_theta", "rope_theta_local", "swa_rope_theta",
                "rope_local_base_freq");
    }

    /** The fraction of each head that rotates ({@code partial_rotary_factor}), {@code defaultValue} when unstated. */
    static double partialRotaryFactor(HfConfig config, double defaultValue) {
        if (parameters(config).get("partial_rotary_factor") instanceof Number n) {
            return n.doubleValue();
        }
        return config.findDouble("partial_rotary_factor", "rope_pct", "rope_percent").orElse(defaultValue);
    }

    /** Writes {@code rope.scaling.*} (linear, yarn, longrope) and {@code rope.freq_base}. */
    static void write(HfConfig config, ArchMetadata out) {
        Map<String, Object> rope = parameters(config);
        if (rope.get("rope_type") instanceof String type) {
            Object factor = rope.get("factor");
            switch (type) {
                case "linear" -> {
                    if (factor instanceof Number f) {
                        out.archString("rope.scaling.type", "linear");
                        out.archFloat32("rope.scaling.factor", f.doubleValue());
                    }
                }
                case "yarn" -> {
                    if (factor instanceof Number f) {
                        out.archString("rope.scaling.type", "yarn");
                        out.archFloat32("rope.scaling.factor", f.doubleValue());
                        if (!(rope.get("original_max_position_embeddings") instanceof Number orig)) {
                            throw new CheckpointFormatException(config.source()
                                    + ": yarn rope scaling without original_max_position_embeddings");
                        }
                        out.archUint32("rope.scaling.original_context_length", orig.longValue());
                        putIfNumber(out, "rope.scaling.yarn_ext_factor", rope.get("extrapolation_factor"));
                        putIfNumber(out, "rope.scaling.yarn_attn_factor",
                                rope.containsKey("attention_factor") ? rope.get("attention_factor") : rope.get("attn_factor"));
                        putIfNumber(out, "rope.scaling.yarn_beta_fast", rope.get("beta_fast"));
                        putIfNumber(out, "rope.scaling.yarn_beta_slow", rope.get("beta_slow"));
                    }
                }
                case "su", "longrope" -> out.archString("rope.scaling.type", "longrope");
                default -> {
                    // "default", "llama3" (a rope_freqs tensor, see LlamaArchitecture), "dynamic": no keys
                }
            }
        }
        if (rope.get("rope_theta") instanceof Number theta) {
            out.archFloat32("rope.freq_base", theta.doubleValue());
        }
        localTheta(config).ifPresent(theta -> out.archFloat32("rope.freq_base_swa", theta));
    }

    private static void putIfNumber(ArchMetadata out, String suffix, Object value) {
        if (value instanceof Number n) {
            out.archFloat32(suffix, n.doubleValue());
        }
    }
}
