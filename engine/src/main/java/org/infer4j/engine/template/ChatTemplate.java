package org.infer4j.engine.template;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template with its BOS/EOS tokens: turns a conversation into the prompt text,
 * passing the variables Hugging Face transformers passes ({@code messages}, {@code tools} when
 * given, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, extra
 * chat_template_kwargs such as {@code enable_thinking}) and the globals {@code raise_exception}
 * and {@code strftime_now}. Immutable and thread-safe.
 */
public final class ChatTemplate {

    private final JinjaTemplate template;
    private final String bosToken;
    private final String eosToken;
    /** Builtin formats only understand string content, so parts are flattened for them. */
    private final boolean flattenContent;
    private final Clock clock;

    private ChatTemplate(JinjaTemplate template, String bosToken, String eosToken, boolean flattenContent, Clock clock) {
        this.template = template;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.flattenContent = flattenContent;
        this.clock = clock;
    }

    /** @throws TemplateSyntaxException if the template does not parse */
    public static ChatTemplate of(String jinjaSource, String bosToken, String eosToken) {
        return new ChatTemplate(JinjaTemplate.parse(jinjaSource), bosToken, eosToken, false, Clock.systemDefaultZone());
    }

    public static ChatTemplate builtin(BuiltinChatFormat format, String bosToken, String eosToken) {
        return new ChatTemplate(JinjaTemplate.parse(format.source()), bosToken, eosToken, true, Clock.systemDefaultZone());
    }

    /** The same template with {@code strftime_now} reading {@code clock} (for reproducible prompts). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(template, bosToken, eosToken, flattenContent, clock);
    }

    /**
     * @param tools           OpenAI-style tool definitions, or null for none (then {@code tools}
     *                        is undefined in the template, as templates expect)
     * @param extraVariables  chat_template_kwargs; may override bos_token/eos_token, not the
     *                        conversation itself; null for none
     * @throws TemplateRaiseException  if the template refuses the conversation
     * @throws TemplateRenderException if the template fails on it
     */
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt,
                         Map<String, Object> extraVariables) {
        List<ChatMessage> conversation = flattenContent ? ChatMessage.flattenText(messages) : messages;
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("bos_token", bosToken);
        variables.put("eos_token", eosToken);
        if (extraVariables != null) {
            variables.putAll(extraVariables);
        }
        variables.put("messages", conversation.stream().map(ChatMessage::toTemplateValue).toList());
        if (tools != null) {
            variables.put("tools", tools);
        } else {
            variables.remove("tools");
        }
        variables.put("add_generation_prompt", addGenerationPrompt);
        return template.render(variables, clock);
    }

    /**
     * Like {@link #render}, but when the template refuses a conversation that has a system
     * message, renders again with the system text folded into the first user message the way
     * llama.cpp does for such templates (system + "\n" + user). A refusal of the folded
     * conversation, or of one without a system message, propagates.
     */
    public String renderWithSystemFallback(List<ChatMessage> messages, List<Map<String, Object>> tools,
                                           boolean addGenerationPrompt, Map<String, Object> extraVariables) {
        try {
            return render(messages, tools, addGenerationPrompt, extraVariables);
        } catch (TemplateRaiseException refusal) {
            if (!SystemPromptFolding.hasSystemMessage(messages)) {
                throw refusal;
            }
            return render(SystemPromptFolding.fold(messages), tools, addGenerationPrompt, extraVariables);
        }
    }
}
