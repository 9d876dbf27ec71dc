package org.infer4j.engine.model;

/**
 * What a loaded model is, as the server reports it.
 *
 * @param architecture   {@code general.architecture}, e.g. "llama"
 * @param name           {@code general.name} or the file name
 * @param contextLength  trained context length ({@code <arch>.context_length})
 * @param vocabSize      rows of the output head
 * @param parameterCount total weights
 * @param quantization   dominant tensor type of the weight matrices, e.g. "Q4_0", "F32"
 */
public record ModelSpec(String architecture, String name, int contextLength, int vocabSize, long parameterCount,
                        String quantization) {}
