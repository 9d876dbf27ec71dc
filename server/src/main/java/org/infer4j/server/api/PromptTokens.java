package org.infer4j.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.infer4j.engine.tokenizer.Tokenizer;

/** Prompt text to token ids the way llama-server does it, for chat and for text completions. */
final class PromptTokens {
    private PromptTokens() {}

    /**
     * One prompt's token ids and its text: as given, or decoded from the given ids. The legacy API's
     * {@code text_offset} counts from the text's start.
     */
    record Prompt(int[] tokens, String text) {}

    /**
     * A rendered chat prompt: special-token text is parsed, BOS is added as the vocabulary asks, but not a
     * second time when the template already wrote it.
     */
    static int[] chat(Tokenizer tokenizer, String renderedPrompt) {
        return withoutDoubledBos(tokenizer, tokenizer.encode(renderedPrompt, true, true));
    }

    /** One text-completion prompt: like llama-server's, with special tokens added and parsed. */
    static int[] text(Tokenizer tokenizer, String prompt) {
        return withoutDoubledBos(tokenizer, tokenizer.encode(prompt, true, true));
    }

    static int[] withoutDoubledBos(Tokenizer tokenizer, int[] tokens) {
        int bos = tokenizer.bosToken();
        if (bos >= 0 && tokens.length >= 2 && tokens[0] == bos && tokens[1] == bos) {
            return Arrays.copyOfRange(tokens, 1, tokens.length);
        }
        return tokens;
    }

    /**
     * The prompts of {@code /v1/completions}: a string, an array of strings, an array of token ids, or an
     * array of token-id arrays. Each becomes its own set of choices.
     */
    static List<Prompt> completionPrompts(RequestObject body, Tokenizer tokenizer) {
        JsonNode prompt = body.raw("prompt");
        if (prompt == null) {
            throw body.missing("prompt");
        }
        List<Prompt> prompts = new ArrayList<>();
        if (prompt.isTextual()) {
            prompts.add(textPrompt(tokenizer, prompt.textValue()));
        } else if (prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isNumber()) {
            prompts.add(idsPrompt(tokenizer, checkedIds(prompt, "prompt", tokenizer)));
        } else if (prompt.isArray() && !prompt.isEmpty()) {
            for (int i = 0; i < prompt.size(); i++) {
                JsonNode element = prompt.get(i);
                String param = "prompt[" + i + "]";
                if (element.isTextual()) {
                    prompts.add(textPrompt(tokenizer, element.textValue()));
                } else if (element.isArray() && !element.isEmpty()) {
                    prompts.add(idsPrompt(tokenizer, checkedIds(element, param, tokenizer)));
                } else {
                    throw ApiException.invalidRequest("Invalid type for '" + param
                            + "': expected a string or a non-empty array of token ids.", param);
                }
            }
        } else {
            throw ApiException.invalidRequest("Invalid type for 'prompt': expected a string, an array of strings, "
                    + "or an array of token ids.", "prompt");
        }
        for (Prompt p : prompts) {
            if (p.tokens().length == 0) {
                throw ApiException.invalidValue("The prompt is empty.", "prompt");
            }
        }
        return prompts;
    }

    private static Prompt textPrompt(Tokenizer tokenizer, String text) {
        return new Prompt(text(tokenizer, text), text);
    }

    private static Prompt idsPrompt(Tokenizer tokenizer, int[] ids) {
        return new Prompt(ids, tokenizer.decode(ids, false));
    }

    static int[] checkedIds(JsonNode array, String param, Tokenizer tokenizer) {
        int[] ids = RequestObject.tokenIds(array, param);
        for (int id : ids) {
            if (id < 0 || id >= tokenizer.vocabSize()) {
                throw ApiException.invalidValue("Token id " + id + " in '" + param + "' is outside the vocabulary (0.."
                        + (tokenizer.vocabSize() - 1) + ").", param);
            }
        }
        return ids;
    }
}
