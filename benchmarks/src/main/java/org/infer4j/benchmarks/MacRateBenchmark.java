package org.infer4j.benchmarks;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How many multiply-accumulates per second one core does in the inner loop of a tiled matrix-matrix kernel, in
 * float lanes (fused multiply-add, what {@code TileGemm} runs) and in int16 lanes (multiply, then add): the
 * question whether prompt processing can pass the float FMA peak without an integer dot-product instruction, which
 * the Vector API of JDK 25 does not have. Both loops have TileGemm's shape: per column, the input of 64 tokens in
 * vectors, six weights broadcast, each times each vector into its own accumulator; all in registers.
 * <p>
 * An int16 lane holds the product of a 4-bit weight (minus its offset, -8..7) and an int8 input exactly, and a Q4_0
 * block's 32 of them (at most 32 × 8 × 127 = 32512) without overflow, so an int16 kernel would need a conversion to
 * float and a scale only once per block. Measured on this Zen 4 (2026-12-05, {@code -p} defaults, one thread):
 * float 16.1 MACs/cycle (its peak, one 512-bit FMA per cycle), int16 27.6 (1.7x): multiplies and adds go to
 * different pipes. The secondary metric {@code macs} is the rate (per second).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class MacRateBenchmark {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;
    /** Columns per call, a Q4_0 block. */
    private static final int COLUMNS = 32;
    private static final int ROWS = 6;
    /** Passes over the columns per call, so the loop, not the call, is measured. */
    private static final int PASSES = 16;

    private final short[] shortInput = new short[COLUMNS * 2 * SHORTS.length()];
    private final short[] shortWeights = new short[COLUMNS * ROWS];
    private final float[] floatInput = new float[COLUMNS * 2 * FLOATS.length()];
    private final float[] floatWeights = new float[COLUMNS * ROWS];

    /** Multiply-accumulates done, counted per call. */
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
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < shortInput.length; i++) {
            shortInput[i] = (short) random.nextInt(-127, 128);
        }
        for (int i = 0; i < shortWeights.length; i++) {
            shortWeights[i] = (short) random.nextInt(-8, 8);
        }
        for (int i = 0; i < floatInput.length; i++) {
            floatInput[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < floatWeights.length; i++) {
            floatWeights[i] = (float) random.nextDouble(-1, 1);
        }
    }

    @Benchmark
    public float floatFma(Counted counted) {
        int lanes = FLOATS.length();
        FloatVector a0 = FloatVector.zero(FLOATS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < PASSES * COLUMNS; i++) {
            int k = i % COLUMNS;
            FloatVector x0 = FloatVector.fromArray(FLOATS, floatInput, 2 * lanes * k);
            FloatVector x1 = FloatVector.fromArray(FLOATS, floatInput, 2 * lanes * k + lanes);
            FloatVector w = FloatVector.broadcast(FLOATS, floatWeights[ROWS * k]);
            a0 = x0.fma(w, a0);
            a1 = x1.fma(w, a1);
            w = FloatVector.broadcast(FLOATS, floatWeights[ROWS * k + 1]);
            a2 = x0.fma(w, a2);
            a3 = x1.fma(w, a3);
            w = FloatVector.broadcast(FLOATS, floatWeights[ROWS * k + 2]);
            a4 = x0.fma(w, a4);
            a5 = x1.fma(w, a5);
            w = FloatVector.broadcast(FLOATS, floatWeights[ROWS * k + 3]);
            a6 = x0.fma(w, a6);
            a7 = x1.fma(w, a7);
            w = FloatVector.broadcast(FLOATS, floatWeights[ROWS * k + 4]);
            a8 = x0.fma(w, a8);
            a9 = x1.fma(w, a9);
            w = FloatVector.broadcast(FLOATS, floatWeights[ROWS * k + 5]);
            a10 = x0.fma(w, a10);
            a11 = x1.fma(w, a11);
        }
        counted.macs += (long) PASSES * COLUMNS * ROWS * 2 * lanes;
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    public short int16MulAdd(Counted counted) {
        int lanes = SHORTS.length();
        ShortVector a0 = ShortVector.zero(SHORTS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        ShortVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < PASSES * COLUMNS; i++) {
            int k = i % COLUMNS;
            ShortVector x0 = ShortVector.fromArray(SHORTS, shortInput, 2 * lanes * k);
            ShortVector x1 = ShortVector.fromArray(SHORTS, shortInput, 2 * lanes * k + lanes);
            ShortVector w = ShortVector.broadcast(SHORTS, shortWeights[ROWS * k]);
            a0 = a0.add(x0.mul(w));
            a1 = a1.add(x1.mul(w));
            w = ShortVector.broadcast(SHORTS, shortWeights[ROWS * k + 1]);
            a2 = a2.add(x0.mul(w));
            a3 = a3.add(x1.mul(w));
            w = ShortVector.broadcast(SHORTS, shortWeights[ROWS * k + 2]);
            a4 = a4.add(x0.mul(w));
            a5 = a5.add(x1.mul(w));
            w = ShortVector.broadcast(SHORTS, shortWeights[ROWS * k + 3]);
            a6 = a6.add(x0.mul(w));
            a7 = a7.add(x1.mul(w));
            w = ShortVector.broadcast(SHORTS, shortWeights[ROWS * k + 4]);
            a8 = a8.add(x0.mul(w));
            a9 = a9.add(x1.mul(w));
            w = ShortVector.broadcast(SHORTS, shortWeights[ROWS * k + 5]);
            a10 = a10.add(x0.mul(w));
            a11 = a11.add(x1.mul(w));
        }
        counted.macs += (long) PASSES * COLUMNS * ROWS * 2 * lanes;
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
