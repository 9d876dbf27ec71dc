package org.infer4j.server.registry;

import java.util.Map;

/**
 * One message of a conversation as the chat template receives it.
 *
 * @param role    system, developer, user, assistant or tool
 * @param content the text (typed text parts already joined), or null (e.g. an assistant turn with only tool calls)
 * @param extra   the other fields of the message passed through to the template as plain JSON values
 *                ({@code tool_calls}, {@code tool_call_id}, {@code name}, {@code reasoning_content} ...)
 */
public record ChatTurn(String role, String content, Map<String, Object> extra) {
    public ChatTurn {
        extra = Map.copyOf(extra);
    }
}
