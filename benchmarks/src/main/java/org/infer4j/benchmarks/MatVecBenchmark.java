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
 * Matrix × one vector (a generation step), through {@link MatMul} on a worker pool as the model runs it. The
 * secondary metric {@code weightBytes} is the rate weights are streamed at (bytes/s): compare it with the
 * machine's streaming-read bandwidth (bench/stream.c). Default shape: Qwen2.5-0.5B's output projection
 * (151936 x 896), far larger than any cache; {@code 4864x896} is an FFN matrix that stays in L2/L3;
 * {@code 20480x4864} has rows past {@code Kernels.LONG_ROW} (the kernels read the input as bytes), from memory.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class MatVecBenchmark {
    @Param({"Q8_0", "Q4_0", "F16", "F32"})
    public String type;

    @Param({"151936x896", "4864x896", "20480x4864"})
    public String shape;

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
        bench = new WeightBench(arena, GgmlType.valueOf(type), Integer.parseInt(rc[0]), Integer.parseInt(rc[1]), 1);
        matmul = new MatMul(pool, bench.matrix.cols());
    }

    @TearDown
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Bytes of weights read, counted per call. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Streamed {
        public long weightBytes;

        @Setup(Level.Iteration)
        public void reset() {
            weightBytes = 0;
        }
    }

    @Benchmark
    public float[] multiply(Streamed streamed) {
        bench.input.set(1, bench.matrix.cols());
        matmul.multiply(bench.matrix, bench.input, bench.out);
        streamed.weightBytes += bench.weightBytes();
        return bench.out;
    }
}
