package org.infer4j.server.registry;

import java.util.List;
import java.util.Map;

/** Turns a conversation into prompt text with one model's chat template. */
@FunctionalInterface
public interface ChatRenderer {
    /**
     * @param tools               OpenAI tool definitions as plain JSON values, or null when the request has none
     * @param addGenerationPrompt end with the opening of the assistant's turn
     * @param extraVariables      more template variables ({@code chat_template_kwargs}, e.g. {@code enable_thinking})
     */
    String render(List<ChatTurn> messages, List<Object> tools, boolean addGenerationPrompt,
                  Map<String, Object> extraVariables);
}
