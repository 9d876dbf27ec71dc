package org.infer4j.engine.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Qwen3-style template (reverse iteration, namespace bookkeeping, think-block splitting,
 * content parts, tool calls with object and string arguments, enable_thinking) against outputs of
 * Python jinja2 3.1.6 stored next to it.
 */
class ThinkingTemplateTest {

    @SuppressWarnings("unchecked")
    @Test
    void rendersLikeJinja2() throws IOException {
        String source = resource("qwen3-like.jinja");
        Map<String, Object> goldens = new ObjectMapper().readValue(resource("qwen3-like.goldens.json"), new TypeReference<>() { });
        List<Map<String, Object>> cases = (List<Map<String, Object>>) goldens.get("cases");
        assertThat(cases).hasSize(2);
        ChatTemplate template = ChatTemplate.of(source, "", "<|im_end|>");
        for (Map<String, Object> c : cases) {
            List<ChatMessage> messages = ((List<Map<String, Object>>) c.get("messages")).stream()
                    .map(GoldenChatTemplateTest::toMessage).toList();
            Map<String, Object> extra = new LinkedHashMap<>();
            if (c.containsKey("enable_thinking")) {
                extra.put("enable_thinking", c.get("enable_thinking"));
            }
            String rendered = template.render(messages, (List<Map<String, Object>>) c.get("tools"),
                    (Boolean) c.get("add_generation_prompt"), extra);
            assertThat(rendered).isEqualTo(c.get("expected"));
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ThinkingTemplateTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
