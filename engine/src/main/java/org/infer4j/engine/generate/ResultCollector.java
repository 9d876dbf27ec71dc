package org.infer4j.engine.generate;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Gathers one generation's events into a {@link GenerationResult} for {@link Generator#generate}. */
final class ResultCollector implements GenerationListener {
    private final StringBuilder text = new StringBuilder();
    private int tokenCount;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();

    private int[] tokens = new int[64];

    @Override
    public void onToken(int token) {
        if (tokenCount == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[tokenCount++] = token;
    }

    @Override
    public void onText(String piece) {
        text.append(piece);
    }

    @Override
    public void onFinish(FinishReason reason, Usage usage) {
        result.complete(new GenerationResult(text.toString(), reason, usage, Arrays.copyOf(tokens, tokenCount)));
    }

    @Override
    public void onError(RuntimeException error) {
        result.completeExceptionally(error);
    }

    GenerationResult await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new GenerationFailedException("generation failed", e.getCause());
        }
    }
}
