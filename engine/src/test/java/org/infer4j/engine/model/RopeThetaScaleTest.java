package org.infer4j.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The rope's per-frequency factor as ggml computes it. */
class RopeThetaScaleTest {

    /**
     * glibc's {@code powf(base, -2.0f/n_dims)} (what ggml's rope uses) for rope widths whose exponent is not exact
     * in float; computing the exponent in double gives 0.781370759 and 0.865964353 instead.
     */
    @Test
    void exponentIsRoundedToFloatAsGgmlDoes() {
        assertThat(TransformerModel.ropeThetaScale(1_000_000f, 112)).isEqualTo(0.781370699f);
        assertThat(TransformerModel.ropeThetaScale(1_000_000f, 192)).isEqualTo(0.865964293f);
        assertThat(TransformerModel.ropeThetaScale(10_000f, 128)).isEqualTo((float) Math.pow(10_000, -1.0 / 64));
    }
}
