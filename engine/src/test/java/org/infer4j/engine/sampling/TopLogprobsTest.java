package org.infer4j.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TopLogprobsTest {

    @Test
    void logSoftmaxOfTheRawLogitsWithTheBestAlternatives() {
        // probabilities 0.1, 0.6, 0.3 (shifted logits: log-softmax is shift invariant)
        float[] logits = {(float) Math.log(0.1) + 5, (float) Math.log(0.6) + 5, (float) Math.log(0.3) + 5};
        TopLogprobs result = TopLogprobs.of(logits, 2, 2);
        assertThat(result.chosen().token()).isEqualTo(2);
        assertThat(result.chosen().logprob()).isCloseTo(Math.log(0.3), within(1e-6));
        assertThat(result.top()).hasSize(2);
        assertThat(result.top().get(0).token()).isEqualTo(1);
        assertThat(result.top().get(0).logprob()).isCloseTo(Math.log(0.6), within(1e-6));
        assertThat(result.top().get(1).token()).isEqualTo(2);
        assertThat(TopLogprobs.of(logits, 0, 10).top()).hasSize(3);
        assertThat(TopLogprobs.of(logits, 0, 0).top()).isEmpty();
    }
}
