package org.infer4j.server.registry;

import org.infer4j.engine.generate.GenerationHandle;
import org.infer4j.engine.generate.GenerationListener;
import org.infer4j.engine.generate.GenerationRequest;

/** Where the HTTP layer hands a tokenized prompt to a model's scheduler (the engine's generator). */
@FunctionalInterface
public interface TextGenerator {
    GenerationHandle submit(GenerationRequest request, GenerationListener listener);
}
