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
        GenerationOptions options = GenerationOptions.parse(body, "max_completion_tokens");
        String prompt = model.chat().render(input.messages(), input.tools(), true, input.templateVariables());
        run(ctx, model, CHAT, List.of(PromptTokens.chat(model.tokenizer(), prompt)), options);
    }

    void completions(Context ctx) {
        RequestObject body = RequestObject.root(json.parse(ctx.bodyAsBytes()));
        ServedModel model = models.resolve(body);
        GenerationOptions options = GenerationOptions.parse(body, null);
        run(ctx, model, TEXT, PromptTokens.completionPrompts(body, model.tokenizer()), options);
    }

    private void run(Context ctx, ServedModel model, CompletionFormat format, List<int[]> prompts,
                     GenerationOptions options) {
        int promptTokens = 0;
        List<GenerationRequest> choices = new ArrayList<>();
        for (int[] prompt : prompts) {
            if (prompt.length >= model.contextSize()) {
                throw ApiException.contextLengthExceeded(model.contextSize(), prompt.length);
            }
            promptTokens += prompt.length;
            for (int i = 0; i < options.n(); i++) {
                choices.add(new GenerationRequest(prompt, options.samplingForChoice(i), options.maxTokens(),
                        options.stop()));
            }
        }
        var envelope = new CompletionFormat.Envelope(format.idPrefix() + newId(), System.currentTimeMillis() / 1000,
                model.id(), options.stream() && options.includeUsage());
        try (GenerationRun run = new GenerationRun(model.generator(), choices)) {
            if (options.stream()) {
                stream(ctx, run, format, envelope, choices.size(), promptTokens);
            } else {
                collect(ctx, run, format, envelope, choices.size(), promptTokens);
            }
        }
    }

    private void collect(Context ctx, GenerationRun run, CompletionFormat format, CompletionFormat.Envelope envelope,
                         int choiceCount, int promptTokens) {
        StringBuilder[] texts = new StringBuilder[choiceCount];
        FinishReason[] reasons = new FinishReason[choiceCount];
        int completionTokens = 0;
        for (int i = 0; i < choiceCount; i++) {
            texts[i] = new StringBuilder();
        }
        while (run.hasRunningChoices()) {
            switch (run.next()) {
                case GenerationEvent.Text t -> texts[t.choice()].append(t.text());
                case GenerationEvent.Finished f -> {
                    reasons[f.choice()] = f.reason();
                    completionTokens += f.usage().completionTokens();
                }
                case GenerationEvent.Failed failed -> throw failed.error();
            }
        }
        List<CompletionFormat.Choice> result = new ArrayList<>(choiceCount);
        for (int i = 0; i < choiceCount; i++) {
            result.add(new CompletionFormat.Choice(i, texts[i].toString(), reasons[i]));
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
                        int choiceCount, int promptTokens) {
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
                            sse.send(json.write(format.textChunk(envelope, t.choice(), t.text())));
                        }
                    }
                    case GenerationEvent.Finished f -> {
                        completionTokens += f.usage().completionTokens();
                        sse.send(json.write(format.finishChunk(envelope, f.choice(), f.reason())));
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

    private String newId() {
        char[] id = new char[24];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_ALPHABET[random.nextInt(ID_ALPHABET.length)];
        }
        return new String(id);
    }
}
