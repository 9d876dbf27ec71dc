package org.infer4j.engine.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Chat formats for models whose GGUF carries no chat template. Each is a Jinja source under
 * {@code builtin/} rendered by the same interpreter, so it behaves like any model template.
 */
public enum BuiltinChatFormat {
    /** {@code <|im_start|>role\ncontent<|im_end|>\n}: Qwen and most fine-tunes. */
    CHATML("chatml.jinja"),
    /** {@code <start_of_turn>user\n...<end_of_turn>\n}, system folded into the first user turn. */
    GEMMA("gemma.jinja"),
    /** {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>} after BOS. */
    LLAMA3("llama3.jinja"),
    /** {@code <s>[INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST] answer </s>}. */
    LLAMA2("llama2.jinja"),
    /** {@code role: content} lines without special tokens. */
    PLAIN("plain.jinja");

    private final String resource;

    BuiltinChatFormat(String resource) {
        this.resource = resource;
    }

    /**
     * The format to assume for a model whose GGUF has no template, from {@code general.architecture}
     * and the special tokens its vocabulary has: a "llama" file may be Llama 3 (it has
     * {@code <|start_header_id|>}) or Llama 2 / Mistral / a base model (SPM, {@code [INST]} turns);
     * Qwen-like families and any vocabulary with {@code <|im_start|>} speak ChatML; the rest get plain lines.
     */
    public static BuiltinChatFormat forModel(String generalArchitecture, Predicate<String> vocabularyHas) {
        String arch = generalArchitecture == null ? "" : generalArchitecture.toLowerCase(Locale.ROOT);
        if (arch.startsWith("gemma")) {
            return GEMMA;
        }
        if (vocabularyHas.test("<|start_header_id|>") && vocabularyHas.test("<|eot_id|>")) {
            return LLAMA3;
        }
        if (arch.startsWith("qwen") || vocabularyHas.test("<|im_start|>")) {
            return CHATML;
        }
        if (arch.equals("llama")) {
            return LLAMA2;
        }
        return PLAIN;
    }

    String source() {
        try (InputStream in = BuiltinChatFormat.class.getResourceAsStream("builtin/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing builtin chat template " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
