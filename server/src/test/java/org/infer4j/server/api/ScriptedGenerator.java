package org.infer4j.server.api;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.infer4j.engine.generate.FinishReason;
import org.infer4j.engine.generate.GenerationHandle;
import org.infer4j.engine.generate.GenerationListener;
import org.infer4j.engine.generate.GenerationRequest;
import org.infer4j.engine.generate.Usage;
import org.infer4j.server.registry.TextGenerator;

/**
 * Test double of the engine's generator with observable behaviour: greedy requests produce a fixed
 * word cycle, sampled ones words drawn from the request's seed; each word is one token. It honours
 * max tokens, stop strings (cut from the output) and cancellation, and records every request.
 */
final class ScriptedGenerator implements TextGenerator {
    static final List<String> WORDS = List.of(" once", " upon", " a", " time", " there", " was", " a", " cat", ".");

    final List<GenerationRequest> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    volatile long millisPerToken;
    volatile int endAfterTokens = Integer.MAX_VALUE;

    @Override
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        requests.add(request);
        AtomicBoolean cancel = new AtomicBoolean();
        Thread.ofVirtual().start(() -> run(request, listener, cancel));
        return () -> cancel.set(true);
    }

    private void run(GenerationRequest request, GenerationListener listener, AtomicBoolean cancel) {
        SplittableRandom random = new SplittableRandom(request.sampling().seed());
        StringBuilder text = new StringBuilder();
        int emitted = 0; // characters already sent
        for (int generated = 0; ; generated++) {
            if (cancel.get()) {
                cancelled.incrementAndGet();
                return;
            }
            if (generated == endAfterTokens || generated == request.maxTokens()) {
                if (text.length() > emitted) {
                    listener.onText(text.substring(emitted));
                }
                boolean eos = generated == endAfterTokens; // the end-of-generation token counts as generated
                end(listener, eos ? FinishReason.STOP : FinishReason.LENGTH, request, eos ? generated + 1 : generated);
                return;
            }
            sleep();
            String word = request.sampling().isGreedy() ? WORDS.get(generated % WORDS.size())
                    : WORDS.get(random.nextInt(WORDS.size()));
            text.append(word);
            for (String stop : request.stopStrings()) {
                int at = text.indexOf(stop);
                if (at >= 0) {
                    if (at > emitted) {
                        listener.onText(text.substring(emitted, at));
                    }
                    end(listener, FinishReason.STOP, request, generated + 1);
                    return;
                }
            }
            // Hold back a tail that could still become a stop string, as a real generator must.
            int safe = text.length();
            for (String stop : request.stopStrings()) {
                for (int k = Math.min(stop.length() - 1, text.length()); k > 0; k--) {
                    if (stop.startsWith(text.substring(text.length() - k))) {
                        safe = Math.min(safe, text.length() - k);
                        break;
                    }
                }
            }
            if (safe > emitted) {
                listener.onText(text.substring(emitted, safe));
                emitted = safe;
            }
        }
    }

    private void end(GenerationListener listener, FinishReason reason, GenerationRequest request, int tokens) {
        finished.incrementAndGet();
        listener.onFinish(reason, new Usage(request.prompt().length, tokens));
    }

    private void sleep() {
        if (millisPerToken > 0) {
            try {
                Thread.sleep(millisPerToken);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
