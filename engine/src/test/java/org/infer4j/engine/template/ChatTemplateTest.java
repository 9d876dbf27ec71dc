package org.infer4j.engine.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The server-facing API: variables passed, system-role fallback, builtin formats. */
class ChatTemplateTest {

    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.of("system", "Be brief."),
            ChatMessage.of("user", "Hi "),
            ChatMessage.of("assistant", " Hello!"),
            ChatMessage.of("user", "Bye"));

    private static String gemma2Source() throws IOException {
        return Files.readString(SharedFixtures.chatTemplates().resolve("google-gemma-2-2b-it.jinja"));
    }

    @Test
    void gemmaRefusesSystemRoleButFallbackFoldsItIntoFirstUserTurn() throws IOException {
        ChatTemplate gemma = ChatTemplate.of(gemma2Source(), "<bos>", "<eos>");
        List<ChatMessage> messages = List.of(ChatMessage.of("system", "You are terse."), ChatMessage.of("user", "Hello"));

        assertThatThrownBy(() -> gemma.render(messages, null, true, null))
                .isInstanceOf(TemplateRaiseException.class)
                .hasMessage("System role not supported");
        // llama.cpp's system-role polyfill: system text, "\n", user text.
        assertThat(gemma.renderWithSystemFallback(messages, null, true, null))
                .isEqualTo("<bos><start_of_turn>user\nYou are terse.\nHello<end_of_turn>\n<start_of_turn>model\n");
    }

    @Test
    void fallbackKeepsOtherRefusals() throws IOException {
        ChatTemplate gemma = ChatTemplate.of(gemma2Source(), "<bos>", "<eos>");
        List<ChatMessage> notAlternating = List.of(ChatMessage.of("user", "a"), ChatMessage.of("user", "b"));
        assertThatThrownBy(() -> gemma.renderWithSystemFallback(notAlternating, null, true, null))
                .isInstanceOf(TemplateRaiseException.class)
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
        List<ChatMessage> systemThenAssistant = List.of(ChatMessage.of("system", "s"), ChatMessage.of("user", "u"),
                ChatMessage.of("user", "again"));
        assertThatThrownBy(() -> gemma.renderWithSystemFallback(systemThenAssistant, null, true, null))
                .isInstanceOf(TemplateRaiseException.class)
                .hasMessageContaining("alternate");
    }

    @Test
    void fallbackIsNotUsedWhenTheTemplateAcceptsTheConversation() {
        ChatTemplate chatml = ChatTemplate.builtin(BuiltinChatFormat.CHATML, "", "");
        assertThat(chatml.renderWithSystemFallback(CONVERSATION, null, false, null))
                .isEqualTo(chatml.render(CONVERSATION, null, false, null));
    }

    @Test
    void systemFoldingJoinsSystemMessagesAndFlushesBeforeOtherRoles() {
        List<ChatMessage> folded = SystemPromptFolding.fold(List.of(
                ChatMessage.of("system", "one"), ChatMessage.of("system", "two"), ChatMessage.of("assistant", "hi"),
                ChatMessage.of("system", "three"), ChatMessage.of("user", "q"), ChatMessage.of("system", "tail")));
        assertThat(folded).containsExactly(
                ChatMessage.of("user", "one\ntwo"), ChatMessage.of("assistant", "hi"),
                ChatMessage.of("user", "three\nq"), ChatMessage.of("user", "tail"));
    }

    @Test
    void templateSeesHuggingFaceVariables() {
        ChatTemplate template = ChatTemplate.of(
                "{{ bos_token }}|{{ eos_token }}|{{ messages|length }}|{{ add_generation_prompt }}|{{ tools is defined }}"
                        + "|{{ enable_thinking }}|{{ messages[0].tool_call_id }}|{{ messages[0].content is none }}"
                        + "|{{ raise_exception is defined }}|{{ strftime_now is defined }}",
                "<s>", "</s>");
        ChatMessage tool = new ChatMessage("tool", null, Map.of("tool_call_id", "abc123def"));
        assertThat(template.render(List.of(tool), null, true, Map.of("enable_thinking", false)))
                .isEqualTo("<s>|</s>|1|True|False|False|abc123def|True|True|True");
        assertThat(template.render(List.of(tool), List.of(Map.of("type", "function")), false, null))
                .isEqualTo("<s>|</s>|1|False|True||abc123def|True|True|True");
    }

    @Test
    void contentPartsStayListsAndCanBeFlattened() {
        List<Object> parts = List.of(Map.of("type", "text", "text", "a"), Map.of("type", "image_url"),
                Map.of("type", "text", "text", "b"));
        ChatTemplate template = ChatTemplate.of("{{ messages[0].content is string }} {{ messages[0].content|length }}", "", "");
        assertThat(template.render(List.of(new ChatMessage("user", parts, null)), null, false, null)).isEqualTo("False 3");
        assertThat(ChatMessage.flattenText(parts)).isEqualTo("ab");
        assertThat(ChatMessage.flattenText(List.of(new ChatMessage("user", parts, null))))
                .containsExactly(ChatMessage.of("user", "ab"));
    }

    // Expected texts below were rendered by Python jinja2 from the models' own templates
    // (Meta-Llama-3-8B-Instruct, Llama-2-chat, ChatML) for CONVERSATION.

    @Test
    void builtinChatml() {
        assertThat(ChatTemplate.builtin(BuiltinChatFormat.CHATML, "", "").render(CONVERSATION, null, true, null))
                .isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi <|im_end|>\n"
                        + "<|im_start|>assistant\n Hello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void builtinLlama3() {
        assertThat(ChatTemplate.builtin(BuiltinChatFormat.LLAMA3, "<|begin_of_text|>", "<|eot_id|>")
                .render(CONVERSATION, null, true, null))
                .isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void builtinLlama2() {
        assertThat(ChatTemplate.builtin(BuiltinChatFormat.LLAMA2, "<s>", "</s>").render(CONVERSATION, null, true, null))
                .isEqualTo("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST]");
    }

    @Test
    void builtinGemmaMatchesGemmaTemplateAndFoldsSystemLikeGemma3() throws IOException {
        ChatTemplate builtin = ChatTemplate.builtin(BuiltinChatFormat.GEMMA, "<bos>", "<eos>");
        ChatTemplate real = ChatTemplate.of(gemma2Source(), "<bos>", "<eos>");
        List<ChatMessage> noSystem = CONVERSATION.subList(1, 4);
        assertThat(builtin.render(noSystem, null, true, null)).isEqualTo(real.render(noSystem, null, true, null));
        assertThat(builtin.render(CONVERSATION, null, true, null))
                .isEqualTo("<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                        + "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
    }

    @Test
    void builtinPlainAndFlattenedParts() {
        List<ChatMessage> messages = List.of(new ChatMessage("user", List.of(Map.of("type", "text", "text", "Hi")), null));
        assertThat(ChatTemplate.builtin(BuiltinChatFormat.PLAIN, "", "").render(messages, null, true, null))
                .isEqualTo("user: Hi\nassistant:");
    }

    @Test
    void builtinFormatFromArchitectureAndVocabulary() {
        java.util.function.Predicate<String> none = token -> false;
        java.util.function.Predicate<String> llama3 = java.util.Set.of("<|start_header_id|>", "<|eot_id|>")::contains;
        java.util.function.Predicate<String> chatml = java.util.Set.of("<|im_start|>", "<|im_end|>")::contains;
        assertThat(BuiltinChatFormat.forModel("gemma2", none)).isEqualTo(BuiltinChatFormat.GEMMA);
        assertThat(BuiltinChatFormat.forModel("gemma3", chatml)).isEqualTo(BuiltinChatFormat.GEMMA);
        assertThat(BuiltinChatFormat.forModel("llama", llama3)).isEqualTo(BuiltinChatFormat.LLAMA3);
        assertThat(BuiltinChatFormat.forModel("llama", none)).isEqualTo(BuiltinChatFormat.LLAMA2);
        assertThat(BuiltinChatFormat.forModel("llama", chatml)).isEqualTo(BuiltinChatFormat.CHATML);
        assertThat(BuiltinChatFormat.forModel("qwen2", none)).isEqualTo(BuiltinChatFormat.CHATML);
        assertThat(BuiltinChatFormat.forModel("phi3", chatml)).isEqualTo(BuiltinChatFormat.CHATML);
        assertThat(BuiltinChatFormat.forModel("mamba", none)).isEqualTo(BuiltinChatFormat.PLAIN);
        assertThat(BuiltinChatFormat.forModel(null, none)).isEqualTo(BuiltinChatFormat.PLAIN);
    }

    @Test
    void strftimeNowReadsTheGivenClock() {
        ChatTemplate template = ChatTemplate.of("{{ strftime_now('%d %b %Y') }}", "", "")
                .withClock(java.time.Clock.fixed(java.time.Instant.parse("2024-07-26T10:00:00Z"), java.time.ZoneOffset.UTC));
        assertThat(template.render(List.of(), null, false, null)).isEqualTo("26 Jul 2024");
    }
}
