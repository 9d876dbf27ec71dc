package org.infer4j.server.api;

import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import org.infer4j.engine.generate.FinishReason;

/**
 * The two response shapes of a completion: {@code chat.completion} and {@code text_completion}, whole and
 * as stream chunks. Generation is the same for both; only the envelope differs.
 */
sealed interface CompletionFormat {

    /** Identity of one response, repeated in each of its chunks. */
    record Envelope(String id, long created, String model, boolean includeUsage) {
        /** {@code usage} of a content chunk: null when usage was requested, absent otherwise. */
        Object pendingUsage() {
            return includeUsage ? NullNode.instance : null;
        }
    }

    /** One finished choice. */
    record Choice(int index, String text, FinishReason finishReason) {}

    String idPrefix();

    Object response(Envelope envelope, List<Choice> choices, Wire.UsageBody usage);

    /** The chunk that opens a choice's stream, or null when the format has none. */
    Object openingChunk(Envelope envelope, int choice);

    Object textChunk(Envelope envelope, int choice, String text);

    Object finishChunk(Envelope envelope, int choice, FinishReason reason);

    /** The last chunk when usage was requested: no choices, just the counts. */
    Object usageChunk(Envelope envelope, Wire.UsageBody usage);

    static String wireName(FinishReason reason) {
        return switch (reason) {
            case STOP -> "stop";
            case LENGTH -> "length";
        };
    }

    record Chat() implements CompletionFormat {
        private static final String CHUNK = "chat.completion.chunk";

        @Override
        public String idPrefix() {
            return "chatcmpl-";
        }

        @Override
        public Object response(Envelope e, List<Choice> choices, Wire.UsageBody usage) {
            List<Wire.ChatChoice> wire = choices.stream()
                    .map(c -> new Wire.ChatChoice(c.index(), new Wire.AssistantMessage("assistant", c.text(), null),
                            wireName(c.finishReason()), null))
                    .toList();
            return new Wire.ChatCompletion(e.id(), "chat.completion", e.created(), e.model(), wire, usage);
        }

        @Override
        public Object openingChunk(Envelope e, int choice) {
            return chunk(e, new Wire.ChunkChoice(choice, new Wire.Delta("assistant", ""), null, null));
        }

        @Override
        public Object textChunk(Envelope e, int choice, String text) {
            return chunk(e, new Wire.ChunkChoice(choice, new Wire.Delta(null, text), null, null));
        }

        @Override
        public Object finishChunk(Envelope e, int choice, FinishReason reason) {
            return chunk(e, new Wire.ChunkChoice(choice, new Wire.Delta(null, null), null, wireName(reason)));
        }

        @Override
        public Object usageChunk(Envelope e, Wire.UsageBody usage) {
            return new Wire.ChatChunk(e.id(), CHUNK, e.created(), e.model(), List.of(), usage);
        }

        private static Wire.ChatChunk chunk(Envelope e, Wire.ChunkChoice choice) {
            return new Wire.ChatChunk(e.id(), CHUNK, e.created(), e.model(), List.of(choice), e.pendingUsage());
        }
    }

    record Text() implements CompletionFormat {
        private static final String OBJECT = "text_completion";

        @Override
        public String idPrefix() {
            return "cmpl-";
        }

        @Override
        public Object response(Envelope e, List<Choice> choices, Wire.UsageBody usage) {
            List<Wire.TextChoice> wire = choices.stream()
                    .map(c -> new Wire.TextChoice(c.text(), c.index(), null, wireName(c.finishReason())))
                    .toList();
            return new Wire.TextCompletion(e.id(), OBJECT, e.created(), e.model(), wire, usage);
        }

        @Override
        public Object openingChunk(Envelope e, int choice) {
            return null;
        }

        @Override
        public Object textChunk(Envelope e, int choice, String text) {
            return chunk(e, new Wire.TextChoice(text, choice, null, null));
        }

        @Override
        public Object finishChunk(Envelope e, int choice, FinishReason reason) {
            return chunk(e, new Wire.TextChoice("", choice, null, wireName(reason)));
        }

        @Override
        public Object usageChunk(Envelope e, Wire.UsageBody usage) {
            return new Wire.TextCompletion(e.id(), OBJECT, e.created(), e.model(), List.of(), usage);
        }

        private static Wire.TextCompletion chunk(Envelope e, Wire.TextChoice choice) {
            return new Wire.TextCompletion(e.id(), OBJECT, e.created(), e.model(), List.of(choice), e.pendingUsage());
        }
    }
}
