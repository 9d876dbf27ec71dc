package org.infer4j.engine.model;

/** The activation of the gate in a gated feed-forward network: {@code hidden = act(gate) * up}. */
public enum Activation {
    /** x * sigmoid(x): SwiGLU (llama, qwen, phi3, glm). */
    SILU,
    /** The tanh approximation of GELU: GEGLU (gemma). */
    GELU_TANH;

    /**
     * GELU(x) as ggml's CPU backend computes it, so our logits match llama.cpp's: x is rounded to F16 and the
     * result read from a table of F16 values (ggml builds it at start-up with {@code GGML_GELU_FP16}), except
     * below -10 (0) and above 10 (x). The rounding is below the model's own precision but shows at 1e-4.
     * <p>
     * The table makes GELU a large amplifier of last-bit differences: a gate value one float ulp away from
     * llama.cpp's (summation order in the gate matmul) that lies on the other side of an F16 rounding midpoint
     * reads the neighbouring entry, an error 2^13 times larger. On FamilyParityTest's gemma3 model this is the whole
     * F32 gap to llama.cpp: giving just those flipped gate elements llama.cpp's value brings the logits from 5e-5
     * to 1e-7 of their range, llama's level (issue 3).
     */
    private static final float[] GELU_F16 = geluTable();

    /** hidden[i] = act(gate[i]) * up[i] for i in [from, to). */
    void gated(float[] gate, float[] up, float[] hidden, int from, int to) {
        switch (this) {
            case SILU -> org.infer4j.engine.tensor.Kernels.swiglu(gate, up, hidden, from, to);
            case GELU_TANH -> {
                for (int i = from; i < to; i++) {
                    hidden[i] = gelu(gate[i]) * up[i];
                }
            }
        }
    }

    static float gelu(float x) {
        if (x <= -10f) {
            return 0f;
        }
        if (x >= 10f) {
            return x;
        }
        return GELU_F16[Float.floatToFloat16(x) & 0xFFFF];
    }

    /**
     * ggml's {@code 0.5f*x*(1.0f + tanhf(SQRT_2_OVER_PI*x*(1.0f + GELU_COEF_A*x*x)))} in float, as compiled for
     * llama.cpp's x86 builds (-O3 -march=native): the compiler contracts {@code 1.0f + (GELU_COEF_A*x)*x} into one
     * fused multiply-add, which changes one finite entry (x = -1.999, 0xBFFF) against the uncontracted formula.
     * With the fma the table equals the peer's, read from its memory after {@code ggml_cpu_init}, in all 63,488
     * finite entries.
     */
    private static float[] geluTable() {
        float[] table = new float[1 << 16];
        for (int bits = 0; bits < table.length; bits++) {
            float x = Float.float16ToFloat((short) bits);
            float y = 0.5f * x * (1f + (float) Math.tanh(0.7978845608028654f * x * Math.fma(0.044715f * x, x, 1f)));
            table[bits] = Float.float16ToFloat(Float.floatToFloat16(y));
        }
        return table;
    }
}
