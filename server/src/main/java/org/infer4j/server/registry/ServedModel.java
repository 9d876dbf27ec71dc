package org.infer4j.server.registry;

import org.infer4j.engine.model.ModelSpec;
import org.infer4j.engine.tokenizer.Tokenizer;

/**
 * One model the server answers for, with everything a request needs: its tokenizer, its chat template
 * and its generator.
 *
 * @param id          the name clients use in {@code "model"} (an alias, or the file name without .gguf)
 * @param contextSize positions a sequence may use (prompt plus generated tokens)
 * @param created     Unix seconds when the model was loaded, as {@code /v1/models} reports it
 */
public record ServedModel(String id, ModelSpec spec, Tokenizer tokenizer, ChatRenderer chat, TextGenerator generator,
                          int contextSize, long created) {}
