package org.infer4j.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopSelectionTest {

    @Test
    void matchesAFullSortIncludingTies() {
        Random random = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(300);
            int m = 1 + random.nextInt(n + 5);
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = random.nextInt(20) - 10; // many ties
            }
            int[] ids = new int[m];
            float[] vals = new float[m];
            int count = TopSelection.select(values, n, m, ids, vals);

            int[] expected = IntStream.range(0, n).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -values[i]).thenComparingInt(i -> i))
                    .limit(m).mapToInt(Integer::intValue).toArray();
            assertThat(count).isEqualTo(Math.min(m, n));
            assertThat(Arrays.copyOf(ids, count)).containsExactly(expected);
            for (int i = 0; i < count; i++) {
                assertThat(vals[i]).isEqualTo(values[ids[i]]);
            }
        }
    }
}
