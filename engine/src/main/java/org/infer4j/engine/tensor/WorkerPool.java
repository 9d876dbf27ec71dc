package org.infer4j.engine.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of {@code threads} workers (the calling thread is worker 0) that run one {@link RangeTask}
 * at a time over an index range. Work is handed out in small chunks from a shared counter, so threads
 * that get less CPU (the machine is shared) take fewer chunks and all finish together.
 * <p>
 * Between tasks workers spin briefly, then park: a forward pass issues hundreds of short tasks per token
 * and a park/unpark round trip per task would cost more than the work. Only a thread that said it was going
 * to park is unparked (new task for a helper, last helper done for the caller): unparking a spinning thread
 * takes a lock and signals a condition for nothing, and a token's hundred-odd hand-offs would pay it every
 * time. Nothing is allocated per call.
 * One caller at a time (the model's inference thread).
 */
public final class WorkerPool implements AutoCloseable {
    private static final int SPINS_BEFORE_PARK = 1 << 14;
    private static final int CHUNKS_PER_THREAD = 8;

    private final int threads;
    private final Thread[] helpers;
    private final AtomicInteger nextChunk = new AtomicInteger();
    /** Per worker in {@link #parallelForInShares}: what is left of its share, {@code front << 32 | back}. */
    private final AtomicLongArray shares;
    /** How the current task's indices are handed out: which of the parallelFor methods started it. */
    private Handout handout;
    /** In {@link #parallelForGuided}: the largest chunk. */
    private int largest;
    private final AtomicInteger running = new AtomicInteger();
    /** Per helper: true from just before it parks until it sees a new generation. */
    private final AtomicIntegerArray parking;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Thread caller;
    /** True while the caller may be parked waiting for the helpers (same protocol as {@link #parking}). */
    private volatile boolean callerParking;
    private RangeTask task;
    private int count;
    /** The number of chunks from the counter; the chunk size in shares; the least chunk when guided. */
    private int chunk;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.helpers = new Thread[threads - 1];
        this.parking = new AtomicIntegerArray(helpers.length);
        this.shares = new AtomicLongArray(threads);
        for (int i = 0; i < helpers.length; i++) {
            int worker = i + 1;
            helpers[i] = Thread.ofPlatform().daemon().name("infer4j-worker-" + worker).unstarted(() -> helperLoop(worker));
            helpers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, count)} on all workers and returns when every index is done. */
    public void parallelFor(int count, RangeTask task) {
        parallelFor(count, 1, task);
    }

    /**
     * As {@link #parallelFor(int, RangeTask)}, in chunks of about {@code grain} indices or more (at most
     * {@code grain} when that makes whole rounds of chunks, see below).
     */
    public void parallelFor(int count, int grain, RangeTask task) {
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        if (count <= 0) {
            return;
        }
        int chunkSize = Math.max(grain, Math.ceilDiv(count, threads * CHUNKS_PER_THREAD));
        int chunks = Math.ceilDiv(count, chunkSize);
        if (threads == 1 || chunks == 1) {
            task.run(0, count, 0);
            return;
        }
        // Whole rounds of chunks of one size (within an index): cut to the grain, a batch's 896 rows of output
        // projection were 9 chunks of 16 tiles and one of 6, and one thread waited for the other's last chunk. Now
        // 10 of 15. The count goes up, not down, so no chunk is larger than the grain (a row group, for MatMul).
        if (chunks % threads != 0) {
            chunks = Math.min(count, chunks + threads - chunks % threads);
        }
        nextChunk.set(0);
        run(task, count, chunks, Handout.COUNTER);
    }

    /**
     * As {@link #parallelFor(int, int, RangeTask)}, each worker owning one contiguous share of {@code [0, count)} that
     * it runs front to back in chunks of {@code grain}; a worker done with its share takes chunks from the back of
     * another's. For streams of weights: a worker's chunks follow one another in memory, one stream the hardware
     * prefetcher keeps up with, where chunks dealt from a shared counter start a new stream each (one token of a
     * Qwen2.5-0.5B-shaped Q4_0 at 2 threads: 107.9 -> 115.8 t/s over five alternating runs).
     */
    public void parallelForInShares(int count, int grain, RangeTask task) {
        int chunkSize = Math.max(1, grain);
        if (ranAlone(count, chunkSize, task)) {
            return;
        }
        int share = Math.ceilDiv(count, threads);
        for (int w = 0; w < threads; w++) {
            shares.set(w, pack(Math.min(count, w * share), Math.min(count, (w + 1) * share)));
        }
        run(task, count, chunkSize, Handout.SHARES);
    }

    /**
     * As {@link #parallelFor(int, int, RangeTask)} with chunks that shrink towards the end: {@code 1 / (2·threads)} of
     * the indices not yet handed out, at least {@code grain} and at most the chunk {@code parallelFor} would take. Equal
     * chunks left one worker waiting for up to a whole chunk of the other's at the end of every task; here the last
     * chunks are {@code grain}, so the workers finish within one of those of each other. The cap keeps the early chunks
     * as small as {@code parallelFor}'s: a worker that gets less CPU for a while (the machine is shared) holds no large
     * piece of the task (a quarter of it, uncapped, at two threads).
     */
    public void parallelForGuided(int count, int grain, RangeTask task) {
        int least = Math.max(1, grain);
        if (ranAlone(count, least, task)) {
            return;
        }
        largest = Math.max(least, Math.ceilDiv(count, threads * CHUNKS_PER_THREAD));
        nextChunk.set(0);
        run(task, count, least, Handout.GUIDED);
    }

    /** Runs a task of at most one chunk (or on a pool of one) on the caller; false if it is for the workers. */
    private boolean ranAlone(int count, int chunk, RangeTask task) {
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        boolean alone = count <= 0 || threads == 1 || count <= chunk;
        if (alone && count > 0) {
            task.run(0, count, 0);
        }
        return alone;
    }

    private static long pack(int front, int back) {
        return (long) front << 32 | back & 0xFFFFFFFFL;
    }

    private void run(RangeTask task, int count, int chunk, Handout handout) {
        this.task = task;
        this.count = count;
        this.chunk = chunk;
        this.handout = handout;
        this.failure = null;
        this.caller = Thread.currentThread();
        running.set(helpers.length);
        generation = generation + 1; // volatile write publishes the fields above
        for (int i = 0; i < helpers.length; i++) {
            // A helper sets its flag before it re-reads the generation and parks, so either it sees the new
            // generation and does not park, or we see its flag and wake it.
            if (parking.get(i) != 0) {
                LockSupport.unpark(helpers[i]);
            }
        }
        try {
            work(0);
        } catch (Throwable e) {
            fail(e);
        }
        int spins = 0;
        while (running.get() > 0) {
            if (++spins < SPINS_BEFORE_PARK) {
                Thread.onSpinWait();
            } else {
                callerParking = true;
                if (running.get() > 0) {
                    LockSupport.parkNanos(this, 50_000);
                }
            }
        }
        callerParking = false;
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            switch (f) {
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IllegalStateException(f);
            }
        }
    }

    private void work(int worker) {
        RangeTask t = task;
        int n = count;
        int c = chunk;
        switch (handout) {
            case SHARES -> workInShares(worker, t, c);
            case GUIDED -> {
                for (int i = nextChunk.get(); i < n; i = nextChunk.get()) {
                    int to = Math.min(n, i + Math.min(largest, Math.max(c, (n - i) / (2 * threads))));
                    if (nextChunk.compareAndSet(i, to)) {
                        t.run(i, to, worker);
                    }
                }
            }
            case COUNTER -> {
                for (int i = nextChunk.getAndIncrement(); i < c; i = nextChunk.getAndIncrement()) {
                    t.run(chunkStart(i, n, c), chunkStart(i + 1, n, c), worker);
                }
            }
        }
    }

    /** Where chunk {@code i} of {@code chunks} over {@code [0, count)} starts: sizes differ by one index at most. */
    private static int chunkStart(int i, int count, int chunks) {
        return (int) ((long) i * count / chunks);
    }

    /** Its own share from the front, then the others' from the back. */
    private void workInShares(int worker, RangeTask t, int c) {
        while (true) {
            long v = shares.get(worker);
            int front = (int) (v >>> 32), back = (int) v;
            if (front >= back) {
                break;
            }
            int to = Math.min(back, front + taken(back - front, c));
            if (shares.compareAndSet(worker, v, pack(to, back))) {
                t.run(front, to, worker);
            }
        }
        for (int k = 1; k < threads; k++) {
            int other = (worker + k) % threads;
            while (true) {
                long v = shares.get(other);
                int front = (int) (v >>> 32), back = (int) v;
                if (front >= back) {
                    break;
                }
                int from = Math.max(front, back - taken(back - front, c));
                if (shares.compareAndSet(other, v, pack(front, from))) {
                    t.run(from, back, worker);
                }
            }
        }
    }

    /**
     * Indices to take from a share with {@code left} of them: the chunk, or half of what is left once that is less
     * than two chunks, so the shares end in small pieces and the workers finish together. A worker that falls behind
     * (the machine is shared) holds at most a small piece when the other comes to take from its share.
     */
    private static int taken(int left, int chunk) {
        return Math.max(1, Math.min(chunk, left / 2));
    }

    /** Records a task's failure and stops handing out chunks, from the shared counter and from every share. */
    private void fail(Throwable e) {
        failure = e;
        nextChunk.set(Integer.MAX_VALUE / 2); // past every chunk
        for (int w = 0; w < threads; w++) {
            shares.set(w, 0);
        }
    }

    private void helperLoop(int worker) {
        int seen = 0;
        int slot = worker - 1;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    parking.set(slot, 1);
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                }
            }
            parking.set(slot, 0);
            if (closed) {
                return;
            }
            seen = generation;
            try {
                work(worker);
            } catch (Throwable e) {
                fail(e);
            }
            if (running.decrementAndGet() == 0 && callerParking) {
                LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : helpers) {
            LockSupport.unpark(t);
        }
    }

    /** How a task's indices are handed out to the workers. */
    private enum Handout {
        /** Chunks of one size from a shared counter ({@link #parallelFor}). */
        COUNTER,
        /** A contiguous share per worker, the rest taken from the back of others' ({@link #parallelForInShares}). */
        SHARES,
        /** Chunks cut from what is left of a shared counter ({@link #parallelForGuided}). */
        GUIDED
    }
}
