package org.infer4j.server.registry;

import java.util.List;
import java.util.Map;
import org.infer4j.engine.template.ChatMessage;

/**
 * Turns a conversation into prompt text with one model's chat template (in production the engine's
 * {@code ChatTemplate.renderWithSystemFallback}).
 */
@FunctionalInterface
public interface ChatRenderer {
    /**
     * @param tools               OpenAI tool definitions as plain JSON values, or null when the request has none
     * @param addGenerationPrompt end with the opening of the assistant's turn
     * @param extraVariables      more template variables ({@code chat_template_kwargs}, e.g. {@code enable_thinking})
     * @throws org.infer4j.engine.template.TemplateException when the template refuses or fails on the conversation
     */
    String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
                  Map<String, Object> extraVariables);
}
