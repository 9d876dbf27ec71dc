package org.infer4j.engine.tokenizer.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void readsTheJsonTokenizerFilesUse() {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null], \"s\": \"\\u0120x\\n\\\"\", \"big\": 1e30, \"o\": {}} ");
        assertThat(v).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, -2500.0, true, false, null),
                "s", "Ġx\n\"", "big", 1e30, "o", Map.of()));
        assertThat(Json.parse("[\"\\ud83e\\udd99\"]")).isEqualTo(List.of("🦙"));
    }

    @Test
    void rejectsMalformedInput() {
        for (String bad : List.of("{", "[1,]", "{\"a\" 1}", "\"open", "tru", "[1] x", "{\"a\":01x}")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(TokenizerImportException.class);
        }
    }
}
