package org.infer4j.benchmarks;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.infer4j.engine.tensor.MatMul;
import org.infer4j.engine.tensor.WorkerPool;
import org.infer4j.gguf.GgmlType;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Matrix × a batch of token vectors (prompt processing), through {@link MatMul} on a worker pool. The
 * secondary metric {@code flops} counts 2·rows·cols·tokens per call: its rate is the GFLOP/s of the tiled
 * kernels. Shapes are Qwen2.5-0.5B's FFN up (4864x896) and down (896x4864) projections.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MatMulBenchmark {
    @Param({"Q8_0", "Q4_0"})
    public String type;

    @Param({"4864x896", "896x4864"})
    public String shape;

    @Param({"128"})
    public int tokens;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private WorkerPool pool;
    private MatMul matmul;
    private WeightBench bench;

    @Setup
    public void setUp() {
        String[] rc = shape.split("x");
        arena = Arena.ofShared();
        pool = new WorkerPool(threads);
        bench = new WeightBench(arena, GgmlType.valueOf(type), Integer.parseInt(rc[0]), Integer.parseInt(rc[1]), tokens);
        matmul = new MatMul(pool, bench.matrix.cols());
    }

    @TearDown
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Floating-point operations done, counted per call (a multiply-add is two). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            flops = 0;
        }
    }

    @Benchmark
    public float[] multiply(Work work) {
        bench.input.set(tokens, bench.matrix.cols());
        matmul.multiply(bench.matrix, bench.input, bench.out);
        work.flops += 2L * bench.matrix.rows() * bench.matrix.cols() * tokens;
        return bench.out;
    }
}
