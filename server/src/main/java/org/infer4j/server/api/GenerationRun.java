package org.infer4j.server.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.infer4j.engine.generate.FinishReason;
import org.infer4j.engine.generate.GenerationHandle;
import org.infer4j.engine.generate.GenerationListener;
import org.infer4j.engine.generate.GenerationRequest;
import org.infer4j.engine.generate.Usage;
import org.infer4j.engine.sampling.TopLogprobs;
import org.infer4j.server.registry.TextGenerator;

/**
 * The generations of one HTTP request (one per choice). The model's inference thread only enqueues
 * events; the request's own thread drains them with {@link #next()} and does all the writing, so a slow
 * client never stalls the model. Closing cancels every choice still running (e.g. the client went away).
 */
final class GenerationRun implements AutoCloseable {
    private final BlockingQueue<GenerationEvent> events = new LinkedBlockingQueue<>();
    private final List<GenerationHandle> handles = new ArrayList<>();
    private final boolean[] done;
    private int running;

    GenerationRun(TextGenerator generator, List<GenerationRequest> choices) {
        done = new boolean[choices.size()];
        try {
            for (int i = 0; i < choices.size(); i++) {
                handles.add(generator.submit(choices.get(i), new QueueingListener(i)));
                running++;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    boolean hasRunningChoices() {
        return running > 0;
    }

    /** The next event of any choice, waiting for it. */
    GenerationEvent next() {
        GenerationEvent event;
        try {
            event = events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while waiting for generated text", e);
        }
        if (GenerationEvent.ends(event) && !done[event.choice()]) {
            done[event.choice()] = true;
            running--;
        }
        return event;
    }

    @Override
    public void close() {
        for (int i = 0; i < handles.size(); i++) {
            if (!done[i]) {
                done[i] = true;
                handles.get(i).cancel();
            }
        }
        running = 0;
    }

    private final class QueueingListener implements GenerationListener {
        private final int choice;

        QueueingListener(int choice) {
            this.choice = choice;
        }

        @Override
        public void onText(String text) {
            events.add(new GenerationEvent.Text(choice, text));
        }

        @Override
        public void onLogprobs(TopLogprobs logprobs, int textOffset) {
            events.add(new GenerationEvent.Logprobs(choice, logprobs, textOffset));
        }

        @Override
        public void onFinish(FinishReason reason, Usage usage) {
            events.add(new GenerationEvent.Finished(choice, reason, usage));
        }

        @Override
        public void onError(RuntimeException error) {
            events.add(new GenerationEvent.Failed(choice, error));
        }
    }
}
