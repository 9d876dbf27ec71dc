package org.infer4j.engine.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.infer4j.engine.model.KvCache;
import org.infer4j.engine.model.LanguageModel;
import org.infer4j.engine.model.ModelSpec;

/**
 * A deterministic stand-in for a language model: the cache really stores the fed tokens, and the next-token
 * logits are a function of exactly those tokens (favouring {@link Script#next}'s token), so a scheduler that mixes
 * up caches, skips or repeats a token, or overflows a cache gives different output or fails.
 */
class ScriptedModel implements LanguageModel {

    /** The token to favour after {@code history[0..length)}, or -1 for flat logits (any token but EOG). */
    interface Script {
        int next(int[] history, int length);
    }

    private final int vocabSize;
    private final int contextLength;
    private final Script script;
    private volatile Semaphore gate;
    private volatile int poison = -1;
    final AtomicInteger cachesCreated = new AtomicInteger();
    final List<Integer> forwardLog = Collections.synchronizedList(new ArrayList<>());
    final Set<String> forwardThreads = Collections.synchronizedSet(new HashSet<>());
    /** Warm-ups run (on their thread), in {@link #forwardLog} as {@value #WARM_UP}. */
    final List<String> warmUpThreads = Collections.synchronizedList(new ArrayList<>());
    static final int WARM_UP = -1;
    /** Each warm-up then waits for one permit of it, or until told to stop. */
    volatile Semaphore warmUpGate;
    final CountDownLatch warmUpStarted = new CountDownLatch(1);

    ScriptedModel(int vocabSize, int contextLength, Script script) {
        this.vocabSize = vocabSize;
        this.contextLength = contextLength;
        this.script = script;
    }

    /** Each forward pass then waits for one permit of {@code gate}. */
    ScriptedModel gated(Semaphore gate) {
        this.gate = gate;
        return this;
    }

    /** Forward passes over a history containing {@code token} throw. */
    ScriptedModel poisonedBy(int token) {
        this.poison = token;
        return this;
    }

    @Override
    public ModelSpec spec() {
        return new ModelSpec("test", "scripted", contextLength, vocabSize, 0, "F32");
    }

    @Override
    public KvCache newCache(int capacity) {
        if (capacity > contextLength) {
            throw new IllegalArgumentException("capacity " + capacity + " > context " + contextLength);
        }
        return new Cache(cachesCreated.getAndIncrement(), capacity);
    }

    @Override
    public void warmUp(BooleanSupplier stop) {
        warmUpStarted.countDown();
        Semaphore g = warmUpGate;
        if (g != null) {
            while (!g.tryAcquire()) {
                if (stop.getAsBoolean()) {
                    warmUpThreads.add("stopped");
                    return;
                }
                Thread.onSpinWait();
            }
        }
        warmUpThreads.add(Thread.currentThread().getName());
        forwardLog.add(WARM_UP);
    }

    @Override
    public void forward(KvCache kv, int[] tokens, float[] logits) {
        Semaphore g = gate;
        if (g != null) {
            g.acquireUninterruptibly();
        }
        Cache cache = (Cache) kv;
        forwardLog.add(cache.id);
        forwardThreads.add(Thread.currentThread().getName());
        if (cache.size + tokens.length > cache.tokens.length) {
            throw new IllegalStateException("cache overflow: " + cache.size + " + " + tokens.length + " > "
                    + cache.tokens.length);
        }
        System.arraycopy(tokens, 0, cache.tokens, cache.size, tokens.length);
        cache.size += tokens.length;
        for (int i = 0; i < cache.size; i++) {
            if (cache.tokens[i] == poison) {
                throw new IllegalStateException("poisoned sequence");
            }
        }
        int favoured = script.next(cache.tokens, cache.size);
        Arrays.fill(logits, 0f);
        logits[TestTokenizer.EOS] = -100f;
        logits[TestTokenizer.EOT] = -100f;
        if (favoured >= 0) {
            logits[favoured] = 10f;
        }
    }

    @Override
    public void close() {}

    private static final class Cache implements KvCache {
        final int id;
        final int[] tokens;
        int size;

        Cache(int id, int capacity) {
            this.id = id;
            this.tokens = new int[capacity];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public int capacity() {
            return tokens.length;
        }

        @Override
        public void truncate(int newSize) {
            size = newSize;
        }
    }
}
