package org.infer4j.engine.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One conversation message as a chat template sees it: {@code message.role},
 * {@code message.content} and any other field ({@code tool_calls}, {@code tool_call_id},
 * {@code name}, {@code reasoning_content}, ...) as a further key.
 *
 * @param content a String, a List of content parts ({@code {"type": "text", "text": ...}}), or
 *                null (e.g. an assistant turn that only calls tools)
 * @param extra   the other message fields in order; values are Strings, numbers, booleans, null,
 *                Lists and Maps
 */
public record ChatMessage(String role, Object content, Map<String, Object> extra) {

    public ChatMessage {
        if (role == null) {
            throw new IllegalArgumentException("message role is required");
        }
        if (content != null && !(content instanceof String) && !(content instanceof List<?>)) {
            throw new IllegalArgumentException("message content must be a string, a list of parts or null");
        }
        extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        if (extra.containsKey("role") || extra.containsKey("content")) {
            throw new IllegalArgumentException("role and content are not extra fields");
        }
    }

    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, content, Map.of());
    }

    /** The message as the dict a template indexes: role, content, then the extra fields. */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("role", role);
        value.put("content", content);
        value.putAll(extra);
        return value;
    }

    /** This message with its content replaced. */
    public ChatMessage withContent(Object newContent) {
        return new ChatMessage(role, newContent, extra);
    }

    /**
     * Flattens content parts to plain text for templates that only accept string content: the
     * text of every {@code "text"} part, concatenated. Strings pass through and null stays null.
     */
    public static Object flattenText(Object content) {
        if (!(content instanceof List<?> parts)) {
            return content;
        }
        StringBuilder text = new StringBuilder();
        for (Object part : parts) {
            if (part instanceof Map<?, ?> map && "text".equals(map.get("type")) && map.get("text") instanceof String s) {
                text.append(s);
            } else if (part instanceof String s) {
                text.append(s);
            }
        }
        return text.toString();
    }

    /** Every message with {@link #flattenText flattened} content. */
    public static List<ChatMessage> flattenText(List<ChatMessage> messages) {
        return messages.stream().map(m -> m.withContent(flattenText(m.content()))).toList();
    }
}
