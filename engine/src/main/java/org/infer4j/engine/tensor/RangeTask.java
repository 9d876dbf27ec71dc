package org.infer4j.engine.tensor;

/** A piece of parallel work: indices {@code [from, to)}, run by worker {@code worker} (0 .. threads-1). */
@FunctionalInterface
public interface RangeTask {
    void run(int from, int to, int worker);
}
