package org.infer4j.engine.tokenizer;

/**
 * The {@code tokenizer.ggml.model} names llama.cpp runs as BPE, which differ in what happens around the
 * merges: "gpt2" is plain BPE; "gemma4" is BPE that always uses the Gemma 4 pre-tokenizer; "whitespace" drops
 * whitespace and (unless told not to) lowercases before BPE; "hybriddna" spells {@code <dna>...</dna>}
 * spans as fixed-length k-mer tokens.
 */
enum BpeModel {
    GPT2, GEMMA4, WHITESPACE, HYBRID_DNA;

    /** The model named {@code name}, or null when llama.cpp does not run it as BPE. */
    static BpeModel named(String name) {
        return switch (name) {
            case "gpt2" -> GPT2;
            case "gemma4" -> GEMMA4;
            case "whitespace" -> WHITESPACE;
            case "hybriddna" -> HYBRID_DNA;
            default -> null;
        };
    }
}
