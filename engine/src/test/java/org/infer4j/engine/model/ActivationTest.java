package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The gate activations as ggml's CPU backend computes them: GELU from an F16 table indexed by the F16-rounded input,
 * SiLU with ggml's vectorized exponential.
 */
class ActivationTest {

    /**
     * The one finite entry where llama.cpp's x86 build differs from the plain float formula: its compiler fuses
     * {@code 1 + (0.044715 x) x} into an fma. 0xA9D3 was read from ggml's {@code ggml_table_gelu_f16} after
     * {@code ggml_cpu_init} in the peer's own build (the uncontracted formula gives 0xA9D2).
     */
    @Test
    void geluTableMatchesGgmlsContractedFormula() {
        float x = Float.float16ToFloat((short) 0xBFFF); // -1.9990234375
        assertThat(Activation.gelu(x)).isEqualTo(Float.float16ToFloat((short) 0xA9D3));
    }

    /** The input is rounded to F16 first: a last-bit change in x moves the result by a whole F16 step or not at all. */
    @Test
    void geluReadsTheEntryOfTheF16RoundedInput() {
        float midpoint = (Float.float16ToFloat((short) 0x3800) + Float.float16ToFloat((short) 0x3801)) / 2; // between 0.5 and its successor
        float below = Math.nextDown(midpoint);
        float above = Math.nextUp(midpoint);
        assertThat(Activation.gelu(below)).isEqualTo(Activation.gelu(Float.float16ToFloat((short) 0x3800)));
        assertThat(Activation.gelu(above)).isEqualTo(Activation.gelu(Float.float16ToFloat((short) 0x3801)));
        assertThat(Activation.gelu(above) - Activation.gelu(below)).isGreaterThan(1e-4f);
        assertThat(Activation.gelu(-10f)).isZero();
        assertThat(Activation.gelu(10f)).isEqualTo(10f);
    }

    /**
     * (x, silu(x)) as llama.cpp's AVX-512 build computes them ({@code ggml_v_silu} from the peer's
     * ggml-cpu/vec.h, compiled with -mavx512f -mavx512dq and run on these inputs), including both sides of the
     * |n| > 192 cut-off of its exponential. The same function agreed bit for bit on 3.2 million further inputs
     * (a sweep over -30..30 and random values up to ±120), with the JIT and with -Xint.
     */
    private static final float[][] GGML_AVX512_SILU = {
            {0x0p+0f, 0x0p+0f},
            {-0x0p+0f, -0x0p+0f},
            {0x1p+0f, 0x1.764d4ep-1f},
            {-0x1p+0f, -0x1.13656p-2f},
            {0x1p-1f, 0x1.3eb2fep-2f},
            {-0x1p-1f, -0x1.829a06p-3f},
            {0x1.921fap+1f, 0x1.81774ap+1f},
            {-0x1.921fap+1f, -0x1.0a8546p-3f},
            {0x1.4p+3f, 0x1.3ffc48p+3f},
            {-0x1.4p+3f, -0x1.dc07f6p-12f},
            {0x1.48p+4f, 0x1.48p+4f},
            {-0x1.48p+4f, -0x1.b849b8p-26f},
            {0x1.5cp+6f, 0x1.5cp+6f},
            {-0x1.5cp+6f, -0x1.e73c4p-120f},
            {0x1.62ccccp+6f, 0x1.62ccccp+6f},
            {-0x1.62ccccp+6f, -0x1.6aff66p-122f},
            {0x1.9p+6f, 0x1.9p+6f},
            {-0x1.9p+6f, -0x0p+0f},
            {0x1.0ep+7f, 0x1.0ep+7f},
            {-0x1.0ep+7f, -0x0p+0f},
            {0x1.9p+7f, 0x1.9p+7f},
            {-0x1.9p+7f, -0x0p+0f},
            {0x1.79ca1p-67f, 0x1.79ca1p-68f},
            {-0x1.79ca1p-67f, -0x1.79ca1p-68f},
            {0x1.930bep-7f, 0x1.95866cp-8f},
            {-0x1.930bep-7f, -0x1.909156p-8f},
            {0x1.7p+2f, 0x1.6ed51cp+2f},
            {-0x1.7p+2f, -0x1.2ae462p-6f},
            {0x1.19999ap+1f, 0x1.fb0542p+0f},
            {-0x1.c66666p+2f, -0x1.7f9c08p-8f},
            {0x1.ff7ceep-1f, 0x1.75d3bep-1f},
            {-0x1.00418ap+0f, -0x1.13784ep-2f}
    };

    @Test
    void siluMatchesGgmlsVectorizedExponentialBitForBit() {
        int n = GGML_AVX512_SILU.length;
        float[] gate = new float[n];
        float[] up = new float[n];
        float[] hidden = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = GGML_AVX512_SILU[i][0];
            up[i] = 1f;
        }
        Activation.SILU.gated(gate, up, hidden, 0, n);
        for (int i = 0; i < n; i++) {
            assertThat(Float.floatToRawIntBits(hidden[i])).as("silu(%a) = %a, ggml %a", gate[i], hidden[i], GGML_AVX512_SILU[i][1])
                    .isEqualTo(Float.floatToRawIntBits(GGML_AVX512_SILU[i][1]));
        }
    }
}
