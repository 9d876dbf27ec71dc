package org.infer4j.engine.tensor;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link Int16Gemm}'s micro-kernel alone, one thread, operands in cache: a row group's chunk of int16 tiles (96
 * rows × 256 columns) times one panel of tokens, as {@code multiply} calls it. The secondary metric {@code macs}
 * is the multiply-accumulate rate, to set against {@code MacRateBenchmark}'s int16 and float peaks. On this Zen 4
 * (2026-12-05): 82 GMAC/s without bias (Q4_0), 75 with (Q4_K); float TileGemm's kernel ~52; MacRate's int16 loop
 * with nothing after it 98.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class Int16KernelBenchmark {
    /** With the bias of Q4_K's blocks, or without (Q4_0). */
    @Param({"false", "true"})
    public boolean biased;

    private static final int ROWS = Int16Gemm.ROW_GROUP;
    private final int[] weights = new int[ROWS * Int16Gemm.K_CHUNK];
    private final float[] scales = new float[2 * ROWS * Int16Gemm.CHUNK_BLOCKS];
    private final short[] input = new short[Int16Gemm.K_CHUNK * Int16Gemm.PANEL];
    private final float[] inputScales = new float[Int16Gemm.CHUNK_BLOCKS * Int16Gemm.PANEL];
    private final float[] inputSums = new float[Int16Gemm.CHUNK_BLOCKS * Int16Gemm.PANEL];
    private final float[] sums = new float[ROWS * (Int16Gemm.PANEL + Kernels.LANES)];

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counted {
        public long macs;

        @Setup(Level.Iteration)
        public void reset() {
            macs = 0;
        }
    }

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < weights.length; i++) {
            int q = random.nextInt(-8, 8);
            weights[i] = (q << 16) | (q & 0xFFFF);
        }
        for (int i = 0; i < input.length; i++) {
            input[i] = (short) random.nextInt(-127, 128);
        }
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) random.nextDouble(0, 0.01);
        }
        for (int i = 0; i < inputScales.length; i++) {
            inputScales[i] = (float) random.nextDouble(0, 0.01);
            inputSums[i] = (float) random.nextDouble(-1, 1);
        }
    }

    @Benchmark
    public float[] tile3x2(Counted counted) {
        int stride = Int16Gemm.PANEL + Kernels.LANES;
        int bias = biased ? ROWS * Int16Gemm.CHUNK_BLOCKS : -1;
        for (int r = 0; r < ROWS; r += Int16Gemm.ROWS) {
            Int16Gemm.tile3x2(weights, r * Int16Gemm.K_CHUNK, Int16Gemm.CHUNK_BLOCKS, input, 0, scales,
                    r * Int16Gemm.CHUNK_BLOCKS, biased ? bias + r * Int16Gemm.CHUNK_BLOCKS : -1, inputScales, 0,
                    inputSums, sums, r * stride, stride, true);
        }
        counted.macs += (long) ROWS * Int16Gemm.K_CHUNK * Int16Gemm.PANEL;
        return sums;
    }
}
