package org.infer4j.engine.generate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.infer4j.engine.model.KvCache;
import org.infer4j.engine.model.LanguageModel;
import org.infer4j.engine.sampling.Sampler;
import org.infer4j.engine.sampling.TopLogprobs;
import org.infer4j.engine.tokenizer.Tokenizer;

/**
 * Runs every generation of one model on one inference thread, as llama-server's slot loop does.
 *
 * <p>{@link #submit} validates a request, queues it and returns at once. The inference thread admits queued requests
 * in order while fewer than {@code maxParallelSequences} run, giving each its own KV cache, sampler, streaming
 * decoder and stop-string matcher. Each step feeds every running sequence once, round-robin: a newly admitted
 * sequence its whole prompt in one forward pass, the others their last sampled token; then samples and reports the
 * next token. (A batched forward over all sequences will replace the per-sequence loop in {@link #step}.)
 *
 * <p>Listeners are called in order on the inference thread. A failing forward pass ends only its own request with
 * {@code onError}; a listener that throws cancels its request. KV caches are pooled: a finished sequence's cache
 * is truncated and reused by the next one, so at most {@code maxParallelSequences} caches ever exist.
 * The generator does not own the model: closing it stops the thread, not the model.
 */
public final class Generator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Generator.class.getName());
    /** Stop strings a request may carry, as OpenAI allows. */
    public static final int MAX_STOP_STRINGS = 4;

    private final LanguageModel model;
    private final Tokenizer tokenizer;
    private final GeneratorOptions options;
    private final int vocabSize;
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workArrived = lock.newCondition();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>(); // guarded by lock
    private boolean closed; // guarded by lock
    private boolean warmUpAsked; // guarded by lock
    /** Set by {@link #close}: a warm-up in progress stops at it. */
    private volatile boolean closing;

    // Inference thread only.
    private final List<Sequence> running = new ArrayList<>();
    private final ArrayDeque<KvCache> idleCaches = new ArrayDeque<>();
    private final float[] logits;

    /**
     * Starts the inference thread.
     *
     * @throws IllegalArgumentException when the context size exceeds the model's trained context
     */
    public Generator(LanguageModel model, Tokenizer tokenizer, GeneratorOptions options) {
        int trained = model.spec().contextLength();
        if (trained > 0 && options.contextSize() > trained) {
            throw new IllegalArgumentException("context size " + options.contextSize()
                    + " exceeds the model's context length of " + trained + " tokens");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.options = options;
        this.vocabSize = model.spec().vocabSize();
        this.logits = new float[vocabSize];
        this.thread = Thread.ofPlatform()
                .name("infer4j-generate-" + model.spec().name())
                .daemon(true)
                .unstarted(this::run);
        thread.start();
    }

    /** Positions of each sequence's context window. */
    public int contextSize() {
        return options.contextSize();
    }

    /**
     * Queues {@code request}; {@code listener} then hears its text and end on the inference thread.
     *
     * @throws ContextLengthExceededException when the prompt leaves no room for a generated token
     * @throws InvalidRequestException        for an empty prompt, tokens outside the vocabulary, a token budget
     *                                        below 1, too many stop strings or sampling parameters out of range
     * @throws GeneratorClosedException       after {@link #close}
     */
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        validate(request);
        Sequence sequence = new Sequence(request, listener);
        lock.lock();
        try {
            if (closed) {
                throw new GeneratorClosedException("the generator is closed");
            }
            waiting.add(sequence);
            workArrived.signal();
        } finally {
            lock.unlock();
        }
        return sequence;
    }

    /**
     * Asks the inference thread to warm the model up ({@link LanguageModel#warmUp}) before it admits the next
     * requests, and returns at once: a server asks once it listens, so that its first request does not wait for the
     * kernels to compile. Requests that come meanwhile wait for the warm-up, as they would have for the compiler.
     */
    public void warmUp() {
        lock.lock();
        try {
            warmUpAsked = true;
            workArrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Generates {@code request} to its end, blocking the caller (for the CLI and tests).
     *
     * @throws RuntimeException      whatever {@link #submit} throws, or the error the generation ended with
     * @throws CancellationException when the calling thread is interrupted (the generation is cancelled)
     */
    public GenerationResult generate(GenerationRequest request) {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("generate() would block the inference thread it waits for");
        }
        ResultCollector collector = new ResultCollector();
        GenerationHandle handle = submit(request, collector);
        try {
            return collector.await();
        } catch (InterruptedException e) {
            handle.cancel();
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while generating");
        }
    }

    /** Stops the inference thread after its current step; running and queued requests get a closed error. */
    @Override
    public void close() {
        closing = true;
        lock.lock();
        try {
            closed = true;
            workArrived.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != thread) {
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true; // finish closing first: the thread ends within one step
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void validate(GenerationRequest request) {
        int[] prompt = request.prompt();
        if (prompt.length == 0) {
            throw new InvalidRequestException("the prompt is empty: at least one token is needed");
        }
        if (prompt.length >= options.contextSize()) {
            throw new ContextLengthExceededException(options.contextSize(), prompt.length);
        }
        for (int token : prompt) {
            if (token < 0 || token >= vocabSize) {
                throw new InvalidRequestException("prompt token " + token + " is outside the vocabulary of "
                        + vocabSize + " tokens");
            }
        }
        if (request.maxTokens() < 1) {
            throw new InvalidRequestException("max_tokens must be at least 1: " + request.maxTokens());
        }
        if (request.logprobs() < GenerationRequest.NO_LOGPROBS || request.logprobs() > vocabSize) {
            throw new InvalidRequestException("log-probability alternatives must be between 0 and the vocabulary size "
                    + vocabSize + ": " + request.logprobs());
        }
        if (request.stopStrings().size() > MAX_STOP_STRINGS) {
            throw new InvalidRequestException("at most " + MAX_STOP_STRINGS + " stop strings are allowed, got "
                    + request.stopStrings().size());
        }
        try {
            Sampler.validate(request.sampling());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
    }

    // ---- inference thread ----

    private void run() {
        Throwable crash = null;
        try {
            while (admit()) {
                step();
            }
        } catch (RuntimeException | Error e) {
            crash = e;
        } finally {
            failEverything(crash);
        }
    }

    /** The model's warm-up on the inference thread. A failure is logged; each request then meets it on its own. */
    private void runWarmUp() {
        long start = System.nanoTime();
        try {
            model.warmUp(() -> closing);
            LOG.log(System.Logger.Level.INFO, "{0} warmed up in {1} s", model.spec().name(),
                    String.format("%.2f", (System.nanoTime() - start) / 1e9));
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.log(System.Logger.Level.WARNING, "warming up " + model.spec().name() + " failed", e);
        }
    }

    /** Waits for work, warms the model up if asked, moves queued requests into free slots; false once closed. */
    private boolean admit() {
        List<Sequence> admitted = new ArrayList<>();
        boolean warm;
        lock.lock();
        try {
            while (!closed && waiting.isEmpty() && running.isEmpty() && !warmUpAsked) {
                workArrived.awaitUninterruptibly();
            }
            if (closed) {
                return false;
            }
            warm = warmUpAsked;
            warmUpAsked = false;
        } finally {
            lock.unlock();
        }
        if (warm) {
            runWarmUp();
        }
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            while (running.size() + admitted.size() < options.maxParallelSequences() && !waiting.isEmpty()) {
                Sequence next = waiting.poll();
                if (!next.abandoned()) {
                    admitted.add(next);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Sequence sequence : admitted) {
            try {
                KvCache cache = idleCaches.isEmpty() ? model.newCache(options.contextSize()) : idleCaches.pop();
                Sampler sampler = new Sampler(sequence.request().sampling(), vocabSize, options.contextSize());
                sequence.start(tokenizer, cache, sampler);
                running.add(sequence);
            } catch (RuntimeException | OutOfMemoryError e) {
                sequence.fail(asRuntime(e));
            }
        }
        return true;
    }

    /** One forward pass and one sampled token for every running sequence. */
    private void step() {
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence sequence = it.next();
            if (!advance(sequence)) {
                it.remove();
                release(sequence);
            }
        }
    }

    /** Feeds, samples and reports one token; false when the sequence is over. */
    private boolean advance(Sequence sequence) {
        if (sequence.abandoned()) {
            return false;
        }
        int token;
        TopLogprobs logprobs = null;
        try {
            model.forward(sequence.cache(), sequence.input(), logits);
            token = sequence.sampler().sample(logits);
            GenerationRequest request = sequence.request();
            if (request.wantsLogprobs()) {
                logprobs = TopLogprobs.of(logits, token, request.logprobs()); // raw logits: sample() left them as they were
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            sequence.fail(asRuntime(e));
            return false;
        }
        return sequence.onSampled(token, logprobs);
    }

    private void release(Sequence sequence) {
        KvCache cache = sequence.cache();
        if (cache != null && !sequence.cacheDamaged()) {
            cache.truncate(0);
            idleCaches.push(cache);
        }
    }

    private void failEverything(Throwable crash) {
        List<Sequence> left = new ArrayList<>(running);
        running.clear();
        lock.lock();
        try {
            closed = true;
            left.addAll(waiting);
            waiting.clear();
        } finally {
            lock.unlock();
        }
        RuntimeException error = crash == null
                ? new GeneratorClosedException("the generator was closed before the generation finished")
                : new GenerationFailedException("the inference thread stopped", crash);
        for (Sequence sequence : left) {
            sequence.fail(error);
        }
    }

    private static RuntimeException asRuntime(Throwable e) {
        return e instanceof RuntimeException r ? r : new GenerationFailedException("generation failed: " + e, e);
    }
}
