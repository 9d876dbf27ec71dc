package org.infer4j.engine.model;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.infer4j.engine.tensor.RelaidCopies;

/**
 * Lays out, after the load and off the serving thread, the weights that a load left to the kernels reading the file
 * ({@link RelaidCopies#reusedOnly}): a model file's first start is then ready as soon as the file is mapped, as every
 * later start is (the re-laid copies only make the one-token kernels faster; both kernels compute the same products).
 * The model takes the re-laid weights at its next step ({@link #take}); they replace the loaded ones whole, so one
 * forward call never mixes the two.
 */
final class BackgroundRelayout implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BackgroundRelayout.class.getName());

    private final AtomicReference<TransformerWeights> laidOut = new AtomicReference<>();
    /** Claimed by the layout when it starts, or by a close before it did: then the layout never runs. */
    private final AtomicBoolean claimed = new AtomicBoolean();
    /** Counted down once the layout has finished, failed or stopped, or a close called it off. */
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean closing;

    /**
     * Starts re-laying {@code loaded}'s matrices from {@code copies} on {@code executor}; {@code afterwards} runs once
     * they all are (not when closed first).
     */
    BackgroundRelayout(TransformerWeights loaded, RelaidCopies copies, Runnable afterwards, Executor executor) {
        executor.execute(() -> run(loaded, copies, afterwards));
    }

    private void run(TransformerWeights loaded, RelaidCopies copies, Runnable afterwards) {
        if (!claimed.compareAndSet(false, true)) {
            return; // closed before it started
        }
        long start = System.nanoTime();
        try {
            // A close stops it between matrices: the rest are left as they are and nothing is handed over.
            TransformerWeights relaid = loaded.map(m -> closing ? m : m.relaid(copies));
            if (!closing) {
                laidOut.set(relaid);
                afterwards.run();
                LOG.log(System.Logger.Level.INFO, "weights re-laid in the background in {0} s",
                        String.format("%.2f", (System.nanoTime() - start) / 1e9));
            }
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.WARNING, "weights not re-laid, the kernels keep reading the model file", e);
        } finally {
            finished.countDown();
        }
    }

    /**
     * The re-laid weights the first time they are asked for once ready; null before and after. Asked at every step:
     * a plain read first, the exchange only when there is something to take.
     */
    TransformerWeights take() {
        return laidOut.get() == null ? null : laidOut.getAndSet(null);
    }

    /** Waits until the layout has finished (or failed, or stopped or been called off by a close). */
    void await() {
        boolean interrupted = false;
        while (true) {
            try {
                finished.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** As {@link #await()}, for at most {@code millis}; whether it has finished. */
    boolean await(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return finished.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the layout at the next matrix and waits for it: the copies' owner and the file close after this. */
    @Override
    public void close() {
        closing = true;
        if (claimed.compareAndSet(false, true)) { // it will not start now
            finished.countDown();
            return;
        }
        await();
    }
}
