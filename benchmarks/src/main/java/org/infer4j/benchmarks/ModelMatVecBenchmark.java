package org.infer4j.benchmarks;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.infer4j.engine.tensor.Activations;
import org.infer4j.engine.tensor.MatMul;
import org.infer4j.engine.tensor.WeightMatrix;
import org.infer4j.engine.tensor.WorkerPool;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.TensorInfo;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Matrix × one vector as {@link MatVecBenchmark}, on a tensor of a real model file: for the types the project
 * has no quantizer for (the k-quants), whose blocks random floats cannot produce. Defaults: the bench Llama-3.2-1B
 * Q4_K_M file, whose FFN gate is Q4_K (8192 x 2048) and FFN down Q6_K (2048 x 8192). The secondary metric
 * {@code weightBytes} is the rate weights are streamed at (bytes/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ModelMatVecBenchmark {
    @Param({"../build-cache/bench/llama-3.2-1b-Q4_K_M.gguf"})
    public String model;

    @Param({"blk.0.ffn_gate.weight", "blk.0.ffn_down.weight"})
    public String tensor;

    @Param({"2"})
    public int threads;

    private GgufFile file;
    private WorkerPool pool;
    private MatMul matmul;
    private WeightMatrix matrix;
    private Activations input;
    private float[] out;

    @Setup
    public void setUp() {
        file = GgufFile.open(Path.of(model));
        TensorInfo info = file.tensor(tensor);
        int cols = (int) info.shape()[0];
        int rows = (int) info.shape()[1];
        matrix = WeightMatrix.of(tensor, info.type(), file.tensorData(info), rows, cols);
        pool = new WorkerPool(threads);
        matmul = new MatMul(pool, cols);
        input = new Activations(1, cols);
        SplittableRandom rnd = new SplittableRandom(cols);
        for (int i = 0; i < cols; i++) {
            input.values()[i] = (float) rnd.nextGaussian();
        }
        out = new float[rows];
    }

    @TearDown
    public void tearDown() {
        pool.close();
        file.close();
    }

    @Benchmark
    public float[] multiply(MatVecBenchmark.Streamed streamed) {
        input.set(1, matrix.cols());
        matmul.multiply(matrix, input, out);
        streamed.weightBytes += matrix.type().byteSize((long) matrix.rows() * matrix.cols());
        return out;
    }
}
