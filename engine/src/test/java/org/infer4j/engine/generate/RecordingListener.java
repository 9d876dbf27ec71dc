package org.infer4j.engine.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.infer4j.engine.sampling.TopLogprobs;

/** Records every event of one generation, with the thread it arrived on. */
class RecordingListener implements GenerationListener {
    final List<String> events = new ArrayList<>();
    final List<String> texts = new ArrayList<>();
    final List<Integer> tokens = new ArrayList<>();
    final List<String> threads = new ArrayList<>();
    final List<TopLogprobs> logprobs = new ArrayList<>();
    final List<Integer> textOffsets = new ArrayList<>();
    final CompletableFuture<String> done = new CompletableFuture<>();
    volatile FinishReason reason;
    volatile Usage usage;
    volatile RuntimeException error;

    @Override
    public synchronized void onToken(int token) {
        threads.add(Thread.currentThread().getName());
        events.add("token " + token);
        tokens.add(token);
    }

    @Override
    public synchronized void onLogprobs(TopLogprobs logprobs, int textOffset) {
        threads.add(Thread.currentThread().getName());
        events.add("logprobs " + logprobs.chosen().token() + "@" + textOffset);
        this.logprobs.add(logprobs);
        textOffsets.add(textOffset);
    }

    @Override
    public synchronized void onText(String text) {
        threads.add(Thread.currentThread().getName());
        events.add("text " + text);
        texts.add(text);
    }

    @Override
    public synchronized void onFinish(FinishReason reason, Usage usage) {
        threads.add(Thread.currentThread().getName());
        events.add("finish " + reason);
        this.reason = reason;
        this.usage = usage;
        done.complete("finish");
    }

    @Override
    public synchronized void onError(RuntimeException error) {
        threads.add(Thread.currentThread().getName());
        events.add("error " + error.getMessage());
        this.error = error;
        done.complete("error");
    }

    String await() throws Exception {
        return done.get(20, TimeUnit.SECONDS);
    }

    synchronized String text() {
        return String.join("", texts);
    }
}
