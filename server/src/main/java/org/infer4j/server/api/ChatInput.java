package org.infer4j.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.infer4j.engine.template.ChatMessage;

/**
 * What a chat template needs from a request: messages, tools and extra template variables, read from the
 * OpenAI wire shape. Shared by {@code /v1/chat/completions} and {@code /apply-template}.
 *
 * @param tools              tool definitions as plain JSON values, or null when the request has none
 * @param templateVariables  {@code chat_template_kwargs}
 */
record ChatInput(List<ChatMessage> messages, List<Map<String, Object>> tools, Map<String, Object> templateVariables) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    static ChatInput parse(RequestObject body, Json json) {
        if (!body.has("messages")) {
            throw body.missing("messages");
        }
        List<JsonNode> wireMessages = body.array("messages");
        if (wireMessages.isEmpty()) {
            throw ApiException.invalidRequest("'messages' must hold at least one message.", "messages");
        }
        List<ChatMessage> messages = new ArrayList<>(wireMessages.size());
        for (int i = 0; i < wireMessages.size(); i++) {
            messages.add(message(RequestObject.of(wireMessages.get(i), "messages[" + i + "]"), json));
        }
        List<Map<String, Object>> tools = null;
        if (body.has("tools")) {
            tools = new ArrayList<>();
            List<JsonNode> wireTools = body.array("tools");
            for (int i = 0; i < wireTools.size(); i++) {
                tools.add(json.toPlainObject(RequestObject.of(wireTools.get(i), "tools[" + i + "]").node()));
            }
        }
        Map<String, Object> variables = new LinkedHashMap<>();
        body.object("chat_template_kwargs").ifPresent(kwargs -> variables.putAll(json.toPlainObject(kwargs.node())));
        return new ChatInput(messages, tools, variables);
    }

    private static ChatMessage message(RequestObject message, Json json) {
        String role = message.requiredString("role");
        if (!ROLES.contains(role)) {
            throw ApiException.invalidValue("Invalid value for '" + message.param("role") + "': '" + role
                    + "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.",
                    message.param("role"));
        }
        String content = content(message);
        if (content == null && !role.equals("assistant")) {
            throw message.missing("content");
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        // Every other field passes through to the template: tool_calls, tool_call_id, name ...
        JsonNode node = message.node();
        node.fieldNames().forEachRemaining(name -> {
            JsonNode value = node.get(name);
            if (!name.equals("role") && !name.equals("content") && value != null && !value.isNull()) {
                extra.put(name, json.toPlain(value));
            }
        });
        if (role.equals("assistant") && content == null && !extra.containsKey("tool_calls")) {
            throw message.missing("content");
        }
        return new ChatMessage(role, content, extra);
    }

    /** A string, or typed parts of which only text is supported (joined with newlines, as llama.cpp does). */
    private static String content(RequestObject message) {
        JsonNode content = message.raw("content");
        if (content == null) {
            return null;
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw message.wrongType("content", "a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            RequestObject part = RequestObject.of(content.get(i), message.param("content") + "[" + i + "]");
            String type = part.requiredString("type");
            if (!type.equals("text")) {
                throw ApiException.invalidValue("Content parts of type '" + type
                        + "' are not supported; only 'text' is.", part.param("type"));
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(part.requiredString("text"));
        }
        return text.toString();
    }
}
