package org.infer4j.server.api;

import com.fasterxml.jackson.databind.node.NullNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.infer4j.engine.generate.FinishReason;

/**
 * The two response shapes of a completion: {@code chat.completion} and {@code text_completion}, whole and
 * as stream chunks. Generation is the same for both; only the envelope differs.
 *
 * <p>Log-probabilities ({@code logprobs} arguments) are null when the request did not ask for them, which the
 * wire shows as {@code "logprobs": null}; when it did, each choice and each text chunk carries the tokens it holds.
 */
sealed interface CompletionFormat {

    /** Identity of one response, repeated in each of its chunks. */
    record Envelope(String id, long created, String model, boolean includeUsage) {
        /** {@code usage} of a content chunk: null when usage was requested, absent otherwise. */
        Object pendingUsage() {
            return includeUsage ? NullNode.instance : null;
        }
    }

    /** One finished choice; {@code logprobs} null unless requested. */
    record Choice(int index, String text, FinishReason finishReason, List<LoggedToken> logprobs) {}

    String idPrefix();

    /** True when {@code text_offset} counts from the start of the prompt (the legacy API's) rather than the reply. */
    boolean offsetsCountThePrompt();

    Object response(Envelope envelope, List<Choice> choices, Wire.UsageBody usage);

    /** The chunk that opens a choice's stream, or null when the format has none. */
    Object openingChunk(Envelope envelope, int choice);

    Object textChunk(Envelope envelope, int choice, String text, List<LoggedToken> logprobs);

    /** {@code logprobs}: tokens not yet sent that gave no text of their own (null unless requested). */
    Object finishChunk(Envelope envelope, int choice, FinishReason reason, List<LoggedToken> logprobs);

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
        public boolean offsetsCountThePrompt() {
            return false;
        }

        @Override
        public Object response(Envelope e, List<Choice> choices, Wire.UsageBody usage) {
            List<Wire.ChatChoice> wire = choices.stream()
                    .map(c -> new Wire.ChatChoice(c.index(), new Wire.AssistantMessage("assistant", c.text(), null),
                            wireName(c.finishReason()), logprobs(c.logprobs())))
                    .toList();
            return new Wire.ChatCompletion(e.id(), "chat.completion", e.created(), e.model(), wire, usage);
        }

        @Override
        public Object openingChunk(Envelope e, int choice) {
            return chunk(e, new Wire.ChunkChoice(choice, new Wire.Delta("assistant", ""), null, null));
        }

        @Override
        public Object textChunk(Envelope e, int choice, String text, List<LoggedToken> logprobs) {
            return chunk(e, new Wire.ChunkChoice(choice, new Wire.Delta(null, text), logprobs(logprobs), null));
        }

        @Override
        public Object finishChunk(Envelope e, int choice, FinishReason reason, List<LoggedToken> logprobs) {
            return chunk(e, new Wire.ChunkChoice(choice, new Wire.Delta(null, null), logprobs(logprobs),
                    wireName(reason)));
        }

        @Override
        public Object usageChunk(Envelope e, Wire.UsageBody usage) {
            return new Wire.ChatChunk(e.id(), CHUNK, e.created(), e.model(), List.of(), usage);
        }

        private static Wire.ChatChunk chunk(Envelope e, Wire.ChunkChoice choice) {
            return new Wire.ChatChunk(e.id(), CHUNK, e.created(), e.model(), List.of(choice), e.pendingUsage());
        }

        /** {@code {content: [{token, logprob, bytes, top_logprobs}], refusal: null}}. */
        private static Wire.ChatLogprobs logprobs(List<LoggedToken> tokens) {
            if (tokens == null) {
                return null;
            }
            List<Wire.ChatTokenLogprob> content = new ArrayList<>(tokens.size());
            for (LoggedToken token : tokens) {
                List<Wire.ChatTopLogprob> top = token.top().stream()
                        .map(t -> new Wire.ChatTopLogprob(t.text(), t.logprob(), t.byteValues()))
                        .toList();
                LoggedToken.Scored chosen = token.chosen();
                content.add(new Wire.ChatTokenLogprob(chosen.text(), chosen.logprob(), chosen.byteValues(), top));
            }
            return new Wire.ChatLogprobs(content, null);
        }
    }

    record Text() implements CompletionFormat {
        private static final String OBJECT = "text_completion";
        /** How the legacy API names a token that holds part of a character: no bytes field to carry the truth. */
        private static final String PARTIAL_PREFIX = "bytes:";

        @Override
        public String idPrefix() {
            return "cmpl-";
        }

        /** OpenAI's legacy offsets count from the start of the prompt even without {@code echo}. */
        @Override
        public boolean offsetsCountThePrompt() {
            return true;
        }

        @Override
        public Object response(Envelope e, List<Choice> choices, Wire.UsageBody usage) {
            List<Wire.TextChoice> wire = choices.stream()
                    .map(c -> new Wire.TextChoice(c.text(), c.index(), logprobs(c.logprobs()),
                            wireName(c.finishReason())))
                    .toList();
            return new Wire.TextCompletion(e.id(), OBJECT, e.created(), e.model(), wire, usage);
        }

        @Override
        public Object openingChunk(Envelope e, int choice) {
            return null;
        }

        @Override
        public Object textChunk(Envelope e, int choice, String text, List<LoggedToken> logprobs) {
            return chunk(e, new Wire.TextChoice(text, choice, logprobs(logprobs), null));
        }

        @Override
        public Object finishChunk(Envelope e, int choice, FinishReason reason, List<LoggedToken> logprobs) {
            return chunk(e, new Wire.TextChoice("", choice, logprobs(logprobs), wireName(reason)));
        }

        @Override
        public Object usageChunk(Envelope e, Wire.UsageBody usage) {
            return new Wire.TextCompletion(e.id(), OBJECT, e.created(), e.model(), List.of(), usage);
        }

        private static Wire.TextCompletion chunk(Envelope e, Wire.TextChoice choice) {
            return new Wire.TextCompletion(e.id(), OBJECT, e.created(), e.model(), List.of(choice), e.pendingUsage());
        }

        /**
         * Parallel arrays; each {@code top_logprobs} entry maps the alternatives' pieces, plus the sampled token's,
         * to their log-probabilities ("up to logprobs+1 elements", as OpenAI documents). Two tokens with the same
         * piece keep the first (more likely) one's value.
         */
        private static Wire.TextLogprobs logprobs(List<LoggedToken> tokens) {
            if (tokens == null) {
                return null;
            }
            List<String> names = new ArrayList<>(tokens.size());
            List<Double> values = new ArrayList<>(tokens.size());
            List<Map<String, Double>> tops = new ArrayList<>(tokens.size());
            List<Integer> offsets = new ArrayList<>(tokens.size());
            for (LoggedToken token : tokens) {
                names.add(name(token.chosen()));
                values.add(token.chosen().logprob());
                Map<String, Double> top = new LinkedHashMap<>();
                for (LoggedToken.Scored alternative : token.top()) {
                    top.putIfAbsent(name(alternative), alternative.logprob());
                }
                top.putIfAbsent(name(token.chosen()), token.chosen().logprob());
                tops.add(top);
                offsets.add(token.textOffset());
            }
            return new Wire.TextLogprobs(names, values, tops, offsets);
        }

        private static String name(LoggedToken.Scored token) {
            return token.isWholeText() ? token.text() : PARTIAL_PREFIX + token.text();
        }
    }
}
