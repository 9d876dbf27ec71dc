package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** GELU as ggml's CPU backend computes it (an F16 table indexed by the F16-rounded input). */
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
}
