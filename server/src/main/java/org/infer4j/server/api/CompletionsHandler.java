package org.infer4j.server.api;

import io.javalin.http.Context;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.engine.generate.FinishReason;
import org.infer4j.engine.generate.GenerationRequest;
import org.infer4j.server.registry.ServedModel;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: parse and validate, build the
 * prompt tokens, run one generation per choice, answer whole or as a server-sent-event stream.
 */
final class CompletionsHandler {
    private static final CompletionFormat CHAT = new CompletionFormat.Chat();
    private static final CompletionFormat TEXT = new CompletionFormat.Text();
    private static final char[] ID_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final ModelResolver models;
    private final Json json;
    private final ErrorMapper errors;
    private final SecureRandom random = new SecureRandom();

    CompletionsHandler(ModelResolver models, Json json, ErrorMapper errors) {
        this.models = models;
        this.json = json;
        this.errors = errors;
    }

    void chat(Context ctx) {
        RequestObject body = RequestObject.root(json.parse(ctx.bodyAsBytes()));
        ServedModel model = models.resolve(body);
        ChatInput input = ChatInput.parse(body, json);
        GenerationOptions options = GenerationOptions.parse(body, "max_completion_tokens",
                GenerationOptions.chatLogprobs(body));
        String prompt = model.chat().render(input.messages(), input.tools(), true, input.templateVariables());
        run(ctx, model, CHAT, List.of(new PromptTokens.Prompt(PromptTokens.chat(model.tokenizer(), prompt), prompt)),
                options);
    }

    void completions(Context ctx) {
        RequestObject body = RequestObject.root(json.parse(ctx.bodyAsBytes()));
        ServedModel model = models.resolve(body);
        GenerationOptions options = GenerationOptions.parse(body, null, GenerationOptions.textLogprobs(body));
        run(ctx, model, TEXT, PromptTokens.completionPrompts(body, model.tokenizer()), options);
    }

    private void run(Context ctx, ServedModel model, CompletionFormat format, List<PromptTokens.Prompt> prompts,
                     GenerationOptions options) {
        int promptTokens = 0;
        List<GenerationRequest> choices = new ArrayList<>();
        List<Integer> offsetBases = new ArrayList<>();
        for (PromptTokens.Prompt given : prompts) {
            int[] prompt = given.tokens();
            if (prompt.length >= model.contextSize()) {
                throw ApiException.contextLengthExceeded(model.contextSize(), prompt.length);
            }
            promptTokens += prompt.length;
            int offsetBase = format.offsetsCountThePrompt() ? given.text().codePointCount(0, given.text().length()) : 0;
            for (int i = 0; i < options.n(); i++) {
                choices.add(options.request(prompt, i));
                offsetBases.add(offsetBase);
            }
        }
        var envelope = new CompletionFormat.Envelope(format.idPrefix() + newId(), System.currentTimeMillis() / 1000,
                model.id(), options.stream() && options.includeUsage());
        var logprobs = options.wantsLogprobs() ? new LogprobCollector(model, offsetBases) : null;
        try (GenerationRun run = new GenerationRun(model.generator(), choices)) {
            if (options.stream()) {
                stream(ctx, run, format, envelope, choices.size(), promptTokens, logprobs);
            } else {
                collect(ctx, run, format, envelope, choices.size(), promptTokens, logprobs);
            }
        }
    }

    private void collect(Context ctx, GenerationRun run, CompletionFormat format, CompletionFormat.Envelope envelope,
                         int choiceCount, int promptTokens, LogprobCollector logprobs) {
        StringBuilder[] texts = new StringBuilder[choiceCount];
        FinishReason[] reasons = new FinishReason[choiceCount];
        int completionTokens = 0;
        for (int i = 0; i < choiceCount; i++) {
            texts[i] = new StringBuilder();
        }
        while (run.hasRunningChoices()) {
            switch (run.next()) {
                case GenerationEvent.Text t -> texts[t.choice()].append(t.text());
                case GenerationEvent.Logprobs l -> logprobs.add(l);
                case GenerationEvent.Finished f -> {
                    reasons[f.choice()] = f.reason();
                    completionTokens += f.usage().completionTokens();
                }
                case GenerationEvent.Failed failed -> throw failed.error();
            }
        }
        List<CompletionFormat.Choice> result = new ArrayList<>(choiceCount);
        for (int i = 0; i < choiceCount; i++) {
            result.add(new CompletionFormat.Choice(i, texts[i].toString(), reasons[i],
                    logprobs == null ? null : logprobs.take(i)));
        }
        var usage = new Wire.UsageBody(promptTokens, completionTokens, promptTokens + completionTokens);
        ctx.contentType("application/json");
        ctx.result(json.write(format.response(envelope, result, usage)));
    }

    /**
     * Events are written in the order the model produced them, choices interleaved by index. The stream
     * opens only with the first event, so a generation that fails at once still gets a plain error response.
     */
    private void stream(Context ctx, GenerationRun run, CompletionFormat format, CompletionFormat.Envelope envelope,
                        int choiceCount, int promptTokens, LogprobCollector logprobs) {
        GenerationEvent first = run.next();
        if (first instanceof GenerationEvent.Failed failed) {
            throw failed.error();
        }
        SseStream sse;
        try {
            sse = new SseStream(ctx);
            for (int i = 0; i < choiceCount; i++) {
                Object opening = format.openingChunk(envelope, i);
                if (opening != null) {
                    sse.send(json.write(opening));
                }
            }
            int completionTokens = 0;
            for (GenerationEvent event = first; ; event = run.next()) {
                switch (event) {
                    case GenerationEvent.Text t -> {
                        if (!t.text().isEmpty()) {
                            var tokens = logprobs == null ? null : logprobs.take(t.choice());
                            sse.send(json.write(format.textChunk(envelope, t.choice(), t.text(), tokens)));
                        }
                    }
                    case GenerationEvent.Logprobs l -> logprobs.add(l);
                    case GenerationEvent.Finished f -> {
                        completionTokens += f.usage().completionTokens();
                        var leftover = logprobs == null ? null : logprobs.take(f.choice());
                        sse.send(json.write(format.finishChunk(envelope, f.choice(), f.reason(),
                                leftover == null || leftover.isEmpty() ? null : leftover)));
                    }
                    case GenerationEvent.Failed failed -> {
                        // Headers are gone: the error travels as an event, then the stream ends.
                        sse.send(errors.body(errors.toApiException(failed.error())));
                        return;
                    }
                }
                if (!run.hasRunningChoices()) {
                    break;
                }
            }
            if (envelope.includeUsage()) {
                var usage = new Wire.UsageBody(promptTokens, completionTokens, promptTokens + completionTokens);
                sse.send(json.write(format.usageChunk(envelope, usage)));
            }
            sse.done();
        } catch (SseStream.ClientGoneException gone) {
            run.close(); // the client went away: stop its generations now
        }
    }

    /**
     * Gathers each choice's token log-probabilities until they are written: with the text chunk their text begins
     * in when streaming, with the whole choice otherwise.
     */
    private static final class LogprobCollector {
        private final ServedModel model;
        private final List<Integer> offsetBases;
        private final List<List<LoggedToken>> pending = new ArrayList<>();

        LogprobCollector(ServedModel model, List<Integer> offsetBases) {
            this.model = model;
            this.offsetBases = offsetBases;
            for (int i = 0; i < offsetBases.size(); i++) {
                pending.add(new ArrayList<>());
            }
        }

        void add(GenerationEvent.Logprobs event) {
            int choice = event.choice();
            pending.get(choice).add(LoggedToken.of(model.tokenizer(), event.logprobs(),
                    offsetBases.get(choice) + event.textOffset()));
        }

        /** The tokens gathered for {@code choice} since the last call. */
        List<LoggedToken> take(int choice) {
            List<LoggedToken> tokens = pending.get(choice);
            pending.set(choice, new ArrayList<>());
            return tokens;
        }
    }

    private String newId() {
        char[] id = new char[24];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        }
        return new String(id);
    }
}
