package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a conversation for templates that refuse the system role, the way llama.cpp's chat
 * template layer (minja's system-role polyfill) does: system texts are joined with "\n" and put
 * in front of the next user message, separated from it by "\n"; if another role comes first, or
 * the conversation ends, the pending system text becomes a user message of its own.
 */
final class SystemPromptFolding {

    private SystemPromptFolding() {
    }

    static boolean hasSystemMessage(List<ChatMessage> messages) {
        return messages.stream().anyMatch(m -> m.role().equals("system"));
    }

    static List<ChatMessage> fold(List<ChatMessage> messages) {
        List<ChatMessage> folded = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (ChatMessage message : messages) {
            if (message.role().equals("system")) {
                if (!pending.isEmpty()) {
                    pending.append('\n');
                }
                pending.append(textOf(message.content()));
                continue;
            }
            if (!pending.isEmpty()) {
                if (message.role().equals("user")) {
                    message = message.withContent(prefix(pending.toString(), message.content()));
                } else {
                    folded.add(ChatMessage.of("user", pending.toString()));
                }
                pending.setLength(0);
            }
            folded.add(message);
        }
        if (!pending.isEmpty()) {
            folded.add(ChatMessage.of("user", pending.toString()));
        }
        return folded;
    }

    private static String textOf(Object content) {
        Object text = ChatMessage.flattenText(content);
        return text == null ? "" : (String) text;
    }

    /** Puts the system text before the user's; content parts get a leading text part instead. */
    private static Object prefix(String system, Object userContent) {
        if (userContent instanceof List<?> parts) {
            List<Object> withSystem = new ArrayList<>();
            withSystem.add(Map.of("type", "text", "text", system + "\n"));
            withSystem.addAll(parts);
            return withSystem;
        }
        String user = userContent == null ? "" : (String) userContent;
        return user.isEmpty() ? system : system + "\n" + user;
    }
}
