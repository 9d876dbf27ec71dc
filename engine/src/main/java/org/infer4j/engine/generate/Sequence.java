package org.infer4j.engine.generate;

import java.util.ArrayDeque;
import org.infer4j.engine.model.KvCache;
import org.infer4j.engine.sampling.Sampler;
import org.infer4j.engine.sampling.TopLogprobs;
import org.infer4j.engine.tokenizer.StreamingDecoder;
import org.infer4j.engine.tokenizer.Tokenizer;

/**
 * One request's generation state. Created on the submitting thread; everything but {@link #cancel} is used by the
 * generator's inference thread only. Turns each sampled token into listener events and decides when to stop:
 * end-of-generation token or stop string → STOP, token budget or context window used up → LENGTH.
 *
 * <p>When the request wants log-probabilities, each token's record waits, with the position in the decoded text
 * where its text begins, until the text there is released (after the UTF-8 decoder and the stop-string matcher
 * held it back); records of tokens that begin at or after a stop string are dropped with the text.
 */
final class Sequence implements GenerationHandle {
    private static final System.Logger LOG = System.getLogger(Sequence.class.getName());

    private final GenerationRequest request;
    private final GenerationListener listener;
    private volatile boolean cancelled;

    // Inference thread only, set by start().
    private Tokenizer tokenizer;
    private KvCache cache;
    private Sampler sampler;
    private StreamingDecoder decoder;
    private StopStringMatcher stops;
    private int[] input;
    private final int[] lastToken = new int[1];
    private int completionTokens;
    private boolean listenerFailed;
    private boolean cacheDamaged;
    private ArrayDeque<PendingLogprobs> pendingLogprobs; // null unless the request wants log-probabilities
    private int decodedChars; // code points the decoder produced
    private int releasedChars; // code points given to the listener

    private record PendingLogprobs(TopLogprobs logprobs, int textOffset) {}

    Sequence(GenerationRequest request, GenerationListener listener) {
        this.request = request;
        this.listener = listener;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    void start(Tokenizer tokenizer, KvCache cache, Sampler sampler) {
        this.tokenizer = tokenizer;
        this.cache = cache;
        this.sampler = sampler;
        this.decoder = tokenizer.newStreamingDecoder(false);
        this.stops = new StopStringMatcher(request.stopStrings());
        this.input = request.prompt();
        sampler.acceptAll(input); // llama-server lets the penalties see the prompt too
        this.pendingLogprobs = request.wantsLogprobs() ? new ArrayDeque<>() : null;
    }

    /** True once the client cancelled or the listener threw: the sequence gets no more work nor events. */
    boolean abandoned() {
        return cancelled || listenerFailed;
    }

    GenerationRequest request() {
        return request;
    }

    KvCache cache() {
        return cache;
    }

    /** Tokens the next forward pass feeds: the whole prompt first, then the last sampled token. */
    int[] input() {
        return input;
    }

    Sampler sampler() {
        return sampler;
    }

    /** True when the cache may hold a half-written step and must not be reused. */
    boolean cacheDamaged() {
        return cacheDamaged;
    }

    /**
     * Takes the token sampled after {@link #input()} was fed, reports it and its text, and tells whether the
     * sequence goes on. Completion tokens count the end-of-generation token, as llama-server's {@code n_decoded}.
     *
     * @param logprobs the token's log-probabilities, or null when the request does not want them
     */
    boolean onSampled(int token, TopLogprobs logprobs) {
        completionTokens++;
        sampler.accept(token);
        deliverToken(token);
        if (tokenizer.isEndOfGeneration(token)) {
            return finish(FinishReason.STOP);
        }
        if (logprobs != null) {
            pendingLogprobs.add(new PendingLogprobs(logprobs, decodedChars));
        }
        deliverText(stops.push(decoded(decoder.push(token))));
        if (stops.stopped()) {
            return finish(FinishReason.STOP);
        }
        if (completionTokens >= request.maxTokens()) {
            return finish(FinishReason.LENGTH);
        }
        // Prompt plus completion never exceed the window: one more token would need a position past the end.
        if (request.prompt().length + completionTokens >= cache.capacity()) {
            return finish(FinishReason.LENGTH);
        }
        lastToken[0] = token;
        input = lastToken;
        return !abandoned();
    }

    /** The model failed on this sequence: report it, and never reuse its cache. */
    void fail(RuntimeException error) {
        cacheDamaged = true;
        if (abandoned()) {
            return;
        }
        try {
            listener.onError(error);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "generation listener threw in onError", e);
        }
        listenerFailed = true; // nothing may follow an error
    }

    /** Ends with held-back text released (it cannot start a stop string any more) and the final event. */
    private boolean finish(FinishReason reason) {
        deliverText(stops.push(decoded(decoder.flush())));
        FinishReason actual = stops.stopped() ? FinishReason.STOP : reason;
        deliverText(stops.flush());
        if (pendingLogprobs != null && !stops.stopped()) {
            deliverLogprobsBefore(Integer.MAX_VALUE); // tokens that ended in no text of their own
        }
        if (!abandoned()) {
            Usage usage = new Usage(request.prompt().length, completionTokens);
            try {
                listener.onFinish(actual, usage);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "generation listener threw in onFinish", e);
            }
        }
        return false;
    }

    private void deliverToken(int token) {
        if (abandoned()) {
            return;
        }
        try {
            listener.onToken(token);
        } catch (RuntimeException e) {
            listenerGaveUp(e);
        }
    }

    /** Counts what the decoder produced, for the text positions of the tokens. */
    private String decoded(String text) {
        decodedChars += text.codePointCount(0, text.length());
        return text;
    }

    private void deliverText(String text) {
        if (text.isEmpty() || abandoned()) {
            return;
        }
        releasedChars += text.codePointCount(0, text.length());
        if (pendingLogprobs != null) {
            deliverLogprobsBefore(releasedChars);
        }
        if (abandoned()) {
            return;
        }
        try {
            listener.onText(text);
        } catch (RuntimeException e) {
            listenerGaveUp(e);
        }
    }

    /** Reports, in order, the records of tokens whose text begins before code point {@code end}. */
    private void deliverLogprobsBefore(int end) {
        while (!pendingLogprobs.isEmpty() && pendingLogprobs.peek().textOffset() < end && !abandoned()) {
            PendingLogprobs next = pendingLogprobs.poll();
            try {
                listener.onLogprobs(next.logprobs(), next.textOffset());
            } catch (RuntimeException e) {
                listenerGaveUp(e);
            }
        }
    }

    /** A listener that throws is treated as a cancel: its client can't take more output. */
    private void listenerGaveUp(RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "generation listener threw; cancelling the sequence", e);
        listenerFailed = true;
    }
}
