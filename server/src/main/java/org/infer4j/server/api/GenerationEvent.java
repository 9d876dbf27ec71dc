package org.infer4j.server.api;

import org.infer4j.engine.generate.FinishReason;
import org.infer4j.engine.generate.Usage;

/** What the model's inference thread reports about one choice of a request, in order. */
sealed interface GenerationEvent {
    int choice();

    record Text(int choice, String text) implements GenerationEvent {}

    record Finished(int choice, FinishReason reason, Usage usage) implements GenerationEvent {}

    record Failed(int choice, RuntimeException error) implements GenerationEvent {}
}
