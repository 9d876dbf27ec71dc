package org.infer4j.engine.model;

/**
 * Which elements of a head RoPE rotates together. llama.cpp's "llama" architecture uses adjacent pairs
 * (its NORM mode): the GGUF converter permutes the Q and K weights of Hugging Face checkpoints so that the
 * HF "rotate_half" layout becomes adjacent pairs. Families such as qwen2 keep the halves layout (NEOX mode).
 */
public enum RopeStyle {
    /** (x[2i], x[2i+1]) rotate by angle i. */
    ADJACENT_PAIRS,
    /** (x[i], x[i + d/2]) rotate by angle i. */
    HALVES
}
