package org.infer4j.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * Matrix × one vector as {@link MatVecBenchmark}, on tensors of a real model file: for the types the project
 * has no quantizer for (the k-quants), whose blocks random floats cannot produce. Defaults: the bench Llama-3.2-1B
 * Q4_K_M file, whose FFN gates are Q4_K (8192 x 2048), FFN down projections Q4_K and Q6_K (2048 x 8192: rows past
 * {@code Kernels.LONG_ROW}, input read as bytes), token embedding (the tied output) Q6_K (128256 x 2048). A
 * {@code *} in the tensor name stands for every layer: one call multiplies each layer's copy in turn, so the weights
 * come from memory as they do when a token is generated. A single layer's matrix stays in the caches between
 * calls, and kernels measured so can mislead: rows in pairs ran faster than one at a time in cache, and at half the
 * speed from memory. The secondary metric {@code weightBytes} is the rate weights are streamed at (bytes/s).
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

    @Param({"blk.*.ffn_gate.weight", "blk.*.ffn_down.weight", "token_embd.weight"})
    public String tensor;

    @Param({"2"})
    public int threads;

    private GgufFile file;
    private WorkerPool pool;
    private MatMul matmul;
    private final List<WeightMatrix> matrices = new ArrayList<>();
    private long bytes;
    private Activations input;
    private float[] out;

    @Setup
    public void setUp() {
        file = GgufFile.open(Path.of(model));
        for (int layer = 0; ; layer++) {
            String name = tensor.replace("*", Integer.toString(layer));
            if (!file.tensors().containsKey(name)) {
                break;
            }
            TensorInfo info = file.tensor(name);
            WeightMatrix m = WeightMatrix.of(name, info.type(), file.tensorData(info), (int) info.shape()[1], (int) info.shape()[0]);
            matrices.add(m);
            bytes += m.type().byteSize((long) m.rows() * m.cols());
            if (name.equals(tensor)) {
                break;
            }
        }
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException(model + " has no tensor " + tensor);
        }
        int cols = matrices.getFirst().cols();
        pool = new WorkerPool(threads);
        matmul = new MatMul(pool, cols);
        input = new Activations(1, cols);
        SplittableRandom rnd = new SplittableRandom(cols);
        for (int i = 0; i < cols; i++) {
            input.values()[i] = (float) rnd.nextGaussian();
        }
        out = new float[matrices.getFirst().rows()];
    }

    @TearDown
    public void tearDown() {
        pool.close();
        file.close();
    }

    @Benchmark
    public float[] multiply(MatVecBenchmark.Streamed streamed) {
        for (WeightMatrix m : matrices) {
            input.set(1, m.cols());
            matmul.multiply(m, input, out);
        }
        streamed.weightBytes += bytes;
        return out;
    }
}
