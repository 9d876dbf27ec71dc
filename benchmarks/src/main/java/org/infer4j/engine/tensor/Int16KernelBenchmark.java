package org.infer4j.engine.tensor;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
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
 * is the multiply-accumulate rate, to set against {@code MacRateBenchmark}'s int16 and float peaks.
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
    private final short[] shortWeights = new short[ROWS * Int16Gemm.K_CHUNK];
    private final int[] acc = new int[12 * Kernels.LANES];
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
            shortWeights[i] = (short) q;
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
    public float[] tiles3x2(Counted counted) {
        int stride = Int16Gemm.PANEL + Kernels.LANES;
        int bias = biased ? ROWS * Int16Gemm.CHUNK_BLOCKS : -1;
        for (int r = 0; r < ROWS; r += 3) {
            Int16Gemm.tile3x2(weights, r * Int16Gemm.K_CHUNK, Int16Gemm.CHUNK_BLOCKS, input, 0, scales,
                    r * Int16Gemm.CHUNK_BLOCKS, biased ? bias + r * Int16Gemm.CHUNK_BLOCKS : -1, inputScales, 0,
                    inputSums, sums, r * stride, stride);
        }
        counted.macs += (long) ROWS * Int16Gemm.K_CHUNK * Int16Gemm.PANEL;
        return sums;
    }

    @Benchmark
    public int[] innerIntBroadcast(Counted counted) {
        final int n = Kernels.LANES;
        int[] w = weights; short[] ws = shortWeights; short[] x = input; final int xo = 0; final int wo = 0;
        for (int r = 0; r < ROWS; r += 6) {
        for (int b = 0; b < Int16Gemm.CHUNK_BLOCKS; b++) {
            ShortVector a00 = ShortVector.zero(Int16Gemm.SHORTS), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            for (int k = b * 32, end = k + 32; k < end; k++) {
                ShortVector x0 = ShortVector.fromArray(Int16Gemm.SHORTS, x, xo + k * 64);
                ShortVector x1 = ShortVector.fromArray(Int16Gemm.SHORTS, x, xo + k * 64 + 2 * n);
                ShortVector m;
                m = IntVector.broadcast(Kernels.INTS, w[r * 256 + k + 0 * 256]).reinterpretAsShorts();
                a00 = a00.add(x0.mul(m));
                a01 = a01.add(x1.mul(m));
                m = IntVector.broadcast(Kernels.INTS, w[r * 256 + k + 1 * 256]).reinterpretAsShorts();
                a10 = a10.add(x0.mul(m));
                a11 = a11.add(x1.mul(m));
                m = IntVector.broadcast(Kernels.INTS, w[r * 256 + k + 2 * 256]).reinterpretAsShorts();
                a20 = a20.add(x0.mul(m));
                a21 = a21.add(x1.mul(m));
                m = IntVector.broadcast(Kernels.INTS, w[r * 256 + k + 3 * 256]).reinterpretAsShorts();
                a30 = a30.add(x0.mul(m));
                a31 = a31.add(x1.mul(m));
                m = IntVector.broadcast(Kernels.INTS, w[r * 256 + k + 4 * 256]).reinterpretAsShorts();
                a40 = a40.add(x0.mul(m));
                a41 = a41.add(x1.mul(m));
                m = IntVector.broadcast(Kernels.INTS, w[r * 256 + k + 5 * 256]).reinterpretAsShorts();
                a50 = a50.add(x0.mul(m));
                a51 = a51.add(x1.mul(m));
            }
            a00.reinterpretAsInts().intoArray(acc, 0 * n);
            a01.reinterpretAsInts().intoArray(acc, 1 * n);
            a10.reinterpretAsInts().intoArray(acc, 2 * n);
            a11.reinterpretAsInts().intoArray(acc, 3 * n);
            a20.reinterpretAsInts().intoArray(acc, 4 * n);
            a21.reinterpretAsInts().intoArray(acc, 5 * n);
            a30.reinterpretAsInts().intoArray(acc, 6 * n);
            a31.reinterpretAsInts().intoArray(acc, 7 * n);
            a40.reinterpretAsInts().intoArray(acc, 8 * n);
            a41.reinterpretAsInts().intoArray(acc, 9 * n);
            a50.reinterpretAsInts().intoArray(acc, 10 * n);
            a51.reinterpretAsInts().intoArray(acc, 11 * n);
        }
        }
        counted.macs += (long) ROWS * Int16Gemm.K_CHUNK * Int16Gemm.PANEL;
        return acc;
    }

    @Benchmark
    public int[] innerShortBroadcast(Counted counted) {
        final int n = Kernels.LANES;
        int[] w = weights; short[] ws = shortWeights; short[] x = input; final int xo = 0; final int wo = 0;
        for (int r = 0; r < ROWS; r += 6) {
        for (int b = 0; b < Int16Gemm.CHUNK_BLOCKS; b++) {
            ShortVector a00 = ShortVector.zero(Int16Gemm.SHORTS), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
            for (int k = b * 32, end = k + 32; k < end; k++) {
                ShortVector x0 = ShortVector.fromArray(Int16Gemm.SHORTS, x, xo + k * 64);
                ShortVector x1 = ShortVector.fromArray(Int16Gemm.SHORTS, x, xo + k * 64 + 2 * n);
                ShortVector m;
                m = ShortVector.broadcast(Int16Gemm.SHORTS, ws[r * 256 + k + 0 * 256]);
                a00 = a00.add(x0.mul(m));
                a01 = a01.add(x1.mul(m));
                m = ShortVector.broadcast(Int16Gemm.SHORTS, ws[r * 256 + k + 1 * 256]);
                a10 = a10.add(x0.mul(m));
                a11 = a11.add(x1.mul(m));
                m = ShortVector.broadcast(Int16Gemm.SHORTS, ws[r * 256 + k + 2 * 256]);
                a20 = a20.add(x0.mul(m));
                a21 = a21.add(x1.mul(m));
                m = ShortVector.broadcast(Int16Gemm.SHORTS, ws[r * 256 + k + 3 * 256]);
                a30 = a30.add(x0.mul(m));
                a31 = a31.add(x1.mul(m));
                m = ShortVector.broadcast(Int16Gemm.SHORTS, ws[r * 256 + k + 4 * 256]);
                a40 = a40.add(x0.mul(m));
                a41 = a41.add(x1.mul(m));
                m = ShortVector.broadcast(Int16Gemm.SHORTS, ws[r * 256 + k + 5 * 256]);
                a50 = a50.add(x0.mul(m));
                a51 = a51.add(x1.mul(m));
            }
            a00.reinterpretAsInts().intoArray(acc, 0 * n);
            a01.reinterpretAsInts().intoArray(acc, 1 * n);
            a10.reinterpretAsInts().intoArray(acc, 2 * n);
            a11.reinterpretAsInts().intoArray(acc, 3 * n);
            a20.reinterpretAsInts().intoArray(acc, 4 * n);
            a21.reinterpretAsInts().intoArray(acc, 5 * n);
            a30.reinterpretAsInts().intoArray(acc, 6 * n);
            a31.reinterpretAsInts().intoArray(acc, 7 * n);
            a40.reinterpretAsInts().intoArray(acc, 8 * n);
            a41.reinterpretAsInts().intoArray(acc, 9 * n);
            a50.reinterpretAsInts().intoArray(acc, 10 * n);
            a51.reinterpretAsInts().intoArray(acc, 11 * n);
        }
        }
        counted.macs += (long) ROWS * Int16Gemm.K_CHUNK * Int16Gemm.PANEL;
        return acc;
    }
}
