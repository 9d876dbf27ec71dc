package org.infer4j.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of shared/chat-templates/goldens.json, rendered by Python jinja2 the way Hugging Face
 * transformers renders chat templates, must come out character for character the same, or be
 * refused with the same raise_exception message.
 */
class GoldenChatTemplateTest {

    /** The goldens were rendered with date_string and strftime_now giving 26 Jul 2024. */
    private static final Clock GOLDEN_DAY = Clock.fixed(Instant.parse("2024-07-26T12:00:00Z"), ZoneOffset.UTC);

    static Stream<Arguments> goldens() throws IOException {
        Path dir = SharedFixtures.chatTemplates();
        Map<String, Object> file = new ObjectMapper().readValue(dir.resolve("goldens.json").toFile(), new TypeReference<>() { });
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) file.get("cases");
        assertThat(cases).isNotEmpty();
        List<Arguments> arguments = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Object> c = cases.get(i);
            String name = "#" + i + " " + c.get("template") + " " + c.get("conversation")
                    + (c.get("tools") != null ? " +tools" : "") + (Boolean.TRUE.equals(c.get("add_generation_prompt")) ? " +gen" : "");
            arguments.add(Arguments.of(name, c));
        }
        return arguments.stream();
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void rendersLikeHuggingFace(String name, Map<String, Object> golden) throws IOException {
        String source = Files.readString(SharedFixtures.chatTemplates().resolve((String) golden.get("template")));
        ChatTemplate template = ChatTemplate.of(source, (String) golden.get("bos_token"), (String) golden.get("eos_token"))
                .withClock(GOLDEN_DAY);
        List<ChatMessage> messages = ((List<Map<String, Object>>) golden.get("messages")).stream()
                .map(GoldenChatTemplateTest::toMessage).toList();
        List<Map<String, Object>> tools = (List<Map<String, Object>>) golden.get("tools");
        boolean addGenerationPrompt = (Boolean) golden.get("add_generation_prompt");
        Map<String, Object> extra = Map.of("date_string", "26 Jul 2024");

        if (golden.containsKey("error")) {
            String expectedMessage = ((String) golden.get("error")).replaceFirst("^TemplateError: ", "");
            assertThatThrownBy(() -> template.render(messages, tools, addGenerationPrompt, extra))
                    .isInstanceOf(TemplateRaiseException.class)
                    .hasMessage(expectedMessage);
        } else {
            assertThat(template.render(messages, tools, addGenerationPrompt, extra)).isEqualTo(golden.get("expected"));
        }
    }

    static ChatMessage toMessage(Map<String, Object> json) {
        Map<String, Object> extra = new LinkedHashMap<>(json);
        String role = (String) extra.remove("role");
        Object content = extra.remove("content");
        return new ChatMessage(role, content, extra);
    }
}
