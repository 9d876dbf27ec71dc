package org.infer4j.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The activation quantizers of {@link Quantizer} against plain references written from ggml's
 * definitions ({@code quantize_row_q8_0} on AVX: rint, ties to even; {@code quantize_row_q8_K}: the value of largest
 * magnitude, first of equals, {@code nearest_int}), value for value, on inputs with exact ties, blocks of zeros,
 * magnitudes that tie between a positive and a negative value (either first), a NaN and infinities.
 */
class ActivationQuantizerTest {
    private static final int N = 4 * 256;

    @Test
    void q8_0MatchesTheScalarDefinition() {
        for (float[] x : inputs()) {
            byte[] q = new byte[N], expectedQ = new byte[N];
            float[] d = new float[N / 32], expectedD = new float[N / 32];
            Quantizer.quantizeQ8Activations(x, 0, N, q, 0, d, 0);
            for (int b = 0; b < N / 32; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(x[32 * b + j]));
                }
                float id = amax != 0 ? 127f / amax : 0f;
                expectedD[b] = Half.roundToF16(amax / 127f);
                for (int j = 0; j < 32; j++) {
                    expectedQ[32 * b + j] = (byte) Math.rint(x[32 * b + j] * id);
                }
            }
            assertThat(q).isEqualTo(expectedQ);
            assertThat(d).isEqualTo(expectedD);
        }
    }

    @Test
    void q8_KMatchesTheScalarDefinition() {
        for (float[] x : inputs()) {
            byte[] q = new byte[N], expectedQ = new byte[N];
            float[] d = new float[N / 256], expectedD = new float[N / 256];
            int[] sums = new int[N / 16], expectedSums = new int[N / 16];
            Quantizer.quantizeQ8KActivations(x, 0, N, q, 0, d, 0, sums, 0);
            for (int b = 0; b < N / 256; b++) {
                float amax = 0, max = 0;
                for (int j = 0; j < 256; j++) {
                    float ax = Math.abs(x[256 * b + j]);
                    if (ax > amax) {
                        amax = ax;
                        max = x[256 * b + j];
                    }
                }
                if (max == 0) {
                    continue;
                }
                float iscale = -127f / max;
                for (int j = 0; j < 256; j++) {
                    expectedQ[256 * b + j] = (byte) Math.min(127, (int) Math.rint(iscale * x[256 * b + j]));
                    expectedSums[(256 * b + j) / 16] += expectedQ[256 * b + j];
                }
                expectedD[b] = 1 / iscale;
            }
            assertThat(q).isEqualTo(expectedQ);
            assertThat(d).isEqualTo(expectedD);
            assertThat(sums).isEqualTo(expectedSums);
        }
    }

    /** Random activations, with blocks shaped to hit each special case of the quantizers. */
    private static float[][] inputs() {
        Random rnd = new Random(7);
        float[][] all = new float[7][N];
        for (float[] x : all) {
            for (int i = 0; i < N; i++) {
                x[i] = (float) rnd.nextGaussian() * 3;
            }
        }
        // Exact ties: with amax 127 the values x·127/amax are x itself, so halves land on .5.
        for (int i = 0; i < N; i++) {
            all[1][i] = (i % 32 == 0) ? 127f : (rnd.nextInt(254) - 127) + 0.5f * rnd.nextInt(2);
        }
        java.util.Arrays.fill(all[2], 0, 300, 0f); // a zero super-block and zero Q8_0 blocks
        all[3][5] = 9f; // the largest magnitude twice, negative first, then positive
        all[3][1] = -9f;
        all[3][300] = 9f;
        all[3][400] = -9f;
        all[3][600] = 9f; // and positive first
        all[3][610] = -9f;
        all[4][700] = Float.NaN;
        all[6][900] = Float.NEGATIVE_INFINITY; // a scale of -0: every product NaN or zero
        all[6][100] = Float.POSITIVE_INFINITY;
        for (int i = 0; i < N; i++) {
            all[5][i] = -Math.abs(all[5][i]); // the largest magnitude is the minimum
        }
        return all;
    }
}
