package org.infer4j.engine.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Model families the engine runs, by their {@code general.architecture} name. A family states only where it
 * differs from the llama baseline (see {@link LlamaConfig}: rope style, and later biases, norms on Q/K, ...).
 */
public enum Architecture {
    /** Llama 1/2/3, Mistral, SmolLM, TinyLlama and other converters' "llama" files. */
    LLAMA("llama");

    private final String ggufName;

    Architecture(String ggufName) {
        this.ggufName = ggufName;
    }

    public String ggufName() {
        return ggufName;
    }

    public static Optional<Architecture> of(String ggufName) {
        return Arrays.stream(values()).filter(a -> a.ggufName.equals(ggufName)).findFirst();
    }

    static List<String> names() {
        return Arrays.stream(values()).map(Architecture::ggufName).toList();
    }
}
