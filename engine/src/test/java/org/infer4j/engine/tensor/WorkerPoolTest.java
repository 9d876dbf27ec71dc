package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyIndexRunsExactlyOnceAcrossManyTasks() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int round = 0; round < 200; round++) {
                int n = 1 + round * 7;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.parallelFor(n, (from, to, worker) -> {
                    assertThat(worker).isBetween(0, 2);
                    hit(hits, from, to);
                });
                assertEveryIndexOnce(hits);
            }
        }
    }

    /**
     * A batch's output projection, 150 tiles of rows in chunks of up to 16 on two workers: ten chunks of 15, not nine
     * of 16 and one of 6 (one worker would wait for the other's last chunk); and in whole rounds of chunks.
     */
    @Test
    void chunksOfAGrainAreOneSizeWithinAnIndexInWholeRounds() {
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int[] c : new int[][] {{150, 16, 10}, {160, 16, 10}, {1622, 16, 16}, {5, 1, 5}, {36, 8, 6}, {17, 16, 2}}) {
                int n = c[0];
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                java.util.List<Integer> sizes = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                pool.parallelFor(n, c[1], (from, to, worker) -> {
                    sizes.add(to - from);
                    hit(hits, from, to);
                });
                assertEveryIndexOnce(hits);
                assertThat(sizes).as("chunks of %d by %d", n, c[1]).hasSize(c[2]);
                int smallest = sizes.stream().mapToInt(Integer::intValue).min().orElseThrow();
                assertThat(sizes).allSatisfy(size -> assertThat(size).isBetween(smallest, smallest + 1));
            }
        }
    }

    @Test
    void inSharesEveryIndexRunsExactlyOnceInChunksOfAtMostTheGrain() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int round = 0; round < 200; round++) {
                int n = 1 + round * 7;
                int grain = 1 + round % 5;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.parallelForInShares(n, grain, (from, to, worker) -> {
                    assertThat(worker).isBetween(0, 2);
                    assertThat(to - from).isBetween(1, grain);
                    hit(hits, from, to);
                });
                assertEveryIndexOnce(hits);
            }
        }
    }

    /** A worker stalled in its first chunk: the others finish their shares and take the rest of its share. */
    @Test
    void inSharesTheRestOfAStalledWorkersShareIsTaken() {
        try (WorkerPool pool = new WorkerPool(2)) {
            int n = 100;
            AtomicIntegerArray ranBy = new AtomicIntegerArray(n);
            CountDownLatch othersDone = new CountDownLatch(1);
            pool.parallelForInShares(n, 1, (from, to, worker) -> {
                if (from == 0 && worker == 0) { // the caller's first chunk: wait until everything else has run
                    try {
                        if (!othersDone.await(10, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the rest was not taken");
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                for (int i = from; i < to; i++) {
                    ranBy.set(i, worker + 1);
                }
                int done = 0;
                for (int i = 1; i < n; i++) {
                    done += ranBy.get(i) != 0 ? 1 : 0;
                }
                if (done == n - 1) {
                    othersDone.countDown();
                }
            });
            for (int i = 1; i < n; i++) {
                assertThat(ranBy.get(i)).as("index %d", i).isEqualTo(2);
            }
        }
    }

    @Test
    void guidedEveryIndexRunsExactlyOnceInChunksThatShrinkToTheGrain() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int round = 0; round < 200; round++) {
                int n = 1 + round * 7;
                int grain = 1 + round % 4;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                java.util.List<int[]> chunks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                pool.parallelForGuided(n, grain, (from, to, worker) -> {
                    assertThat(worker).isBetween(0, 2);
                    chunks.add(new int[] {from, to});
                    hit(hits, from, to);
                });
                assertEveryIndexOnce(hits);
                if (n <= grain) {
                    assertThat(chunks).hasSize(1);
                    continue;
                }
                // In the order they were handed out: a sixth (2 · 3 workers) of what was left, at least the grain, at
                // most parallelFor's chunk (24 of them at 3 workers).
                int largest = Math.max(grain, Math.ceilDiv(n, 24));
                chunks.sort(java.util.Comparator.comparingInt(c -> c[0]));
                for (int[] c : chunks) {
                    int left = n - c[0];
                    assertThat(c[1] - c[0]).as("chunk at %d of %d by %d", c[0], n, grain)
                            .isEqualTo(Math.min(left, Math.min(largest, Math.max(grain, left / 6))));
                }
            }
        }
    }

    /**
     * Two workers: a batch's output projection, 19 halves of row groups, in chunks of two (parallelFor's) and then
     * single halves; a feed-forward's gate and up projections, 203 halves, in chunks of 13 and then smaller.
     */
    @Test
    void guidedChunksOfABatchEndInSingleIndices() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThat(guidedChunks(pool, 19)).containsExactly(2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1);
            assertThat(guidedChunks(pool, 203)).containsExactly(13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 11, 9, 6,
                    5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1);
        }
    }

    /** The sizes of the chunks of a guided task over {@code n} indices, in the order they were handed out. */
    private static java.util.List<Integer> guidedChunks(WorkerPool pool, int n) {
        int[] sizeAt = new int[n];
        pool.parallelForGuided(n, 1, (from, to, worker) -> sizeAt[from] = to - from);
        java.util.List<Integer> sizes = new java.util.ArrayList<>();
        for (int i = 0; i < n; i += sizeAt[i]) {
            sizes.add(sizeAt[i]);
        }
        return sizes;
    }

    @Test
    void failureInAWorkerReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(1000, (from, to, worker) -> {
                if (from <= 500 && 500 < to) {
                    throw new IllegalStateException("boom");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
            assertThatThrownBy(() -> pool.parallelForInShares(1000, 10, (from, to, worker) -> {
                if (from <= 700 && 700 < to) {
                    throw new IllegalStateException("boom in a share");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom in a share");
            assertThatThrownBy(() -> pool.parallelForGuided(1000, 1, (from, to, worker) -> {
                if (from <= 900 && 900 < to) {
                    throw new IllegalStateException("boom guided");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom guided");
            // and the pool still works afterwards
            int[] sum = new int[1];
            pool.parallelFor(10, 10, (from, to, worker) -> sum[0] += to - from);
            assertThat(sum[0]).isEqualTo(10);
        }
    }

    /**
     * Each of the two indices waits until the other one has started, so the task only finishes if the helper
     * takes part. Between tasks the helper is left idle long enough to stop spinning and park (or, with no
     * pause, caught while still spinning): either way the next task must reach it.
     */
    @Test
    void helperJoinsEveryTaskWhetherSpinningOrParked() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            for (int round = 0; round < 6; round++) {
                if (round % 2 == 1) {
                    Thread.sleep(300); // far longer than the spin phase
                }
                CountDownLatch bothStarted = new CountDownLatch(2);
                AtomicIntegerArray workers = new AtomicIntegerArray(2);
                pool.parallelFor(2, 1, (from, to, worker) -> {
                    workers.set(from, worker);
                    bothStarted.countDown();
                    try {
                        if (!bothStarted.await(10, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the other index never started: helper not woken");
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(workers.get(0)).as("round %d", round).isNotEqualTo(workers.get(1));
            }
        }
    }

    private static void hit(AtomicIntegerArray hits, int from, int to) {
        for (int i = from; i < to; i++) {
            hits.incrementAndGet(i);
        }
    }

    private static void assertEveryIndexOnce(AtomicIntegerArray hits) {
        for (int i = 0; i < hits.length(); i++) {
            assertThat(hits.get(i)).as("index %d of %d", i, hits.length()).isEqualTo(1);
        }
    }
}
