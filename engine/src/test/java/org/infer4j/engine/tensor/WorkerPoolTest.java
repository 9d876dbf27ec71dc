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
                    for (int i = from; i < to; i++) {
                        hits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertThat(hits.get(i)).as("index %d of %d", i, n).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void failureInAWorkerReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(1000, (from, to, worker) -> {
                if (from <= 500 && 500 < to) {
                    throw new IllegalStateException("boom");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
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
}
