package org.infer4j.server.api;

import org.infer4j.engine.generate.FinishReason;
import org.infer4j.engine.generate.Usage;
import org.infer4j.engine.sampling.TopLogprobs;

/** What the model's inference thread reports about one choice of a request, in order. */
sealed interface GenerationEvent {
    int choice();

    record Text(int choice, String text) implements GenerationEvent {}

    /** A generated token's log-probabilities; its text begins at {@code textOffset} code points into the choice's. */
    record Logprobs(int choice, TopLogprobs logprobs, int textOffset) implements GenerationEvent {}

    record Finished(int choice, FinishReason reason, Usage usage) implements GenerationEvent {}

    record Failed(int choice, RuntimeException error) implements GenerationEvent {}

    /** True for the last event of a choice. */
    static boolean ends(GenerationEvent event) {
        return switch (event) {
            case Text t -> false;
            case Logprobs l -> false;
            case Finished f -> true;
            case Failed f -> true;
        };
    }
}
