package org.infer4j.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.engine.tokenizer.Tokenizer;
import org.infer4j.server.registry.ServedModel;

/**
 * llama-server's helper endpoints, with its field names: {@code /health}, {@code /tokenize},
 * {@code /detokenize} and {@code /apply-template}.
 */
final class UtilityHandler {
    private final ModelResolver models;
    private final Json json;

    UtilityHandler(ModelResolver models, Json json) {
        this.models = models;
        this.json = json;
    }

    void health(Context ctx) {
        ctx.contentType("application/json").result(json.write(new Wire.Health("ok")));
    }

    /**
     * {@code {"content", "add_special" = false, "parse_special" = true, "with_pieces" = false}}. With pieces,
     * each token is {@code {"id", "piece"}} where the piece is its text, or its bytes when not valid UTF-8.
     */
    void tokenize(Context ctx) {
        RequestObject body = RequestObject.root(json.parse(ctx.bodyAsBytes()));
        ServedModel model = models.resolve(body);
        String content = body.requiredString("content");
        boolean addSpecial = body.bool("add_special").orElse(false);
        boolean parseSpecial = body.bool("parse_special").orElse(true);
        boolean withPieces = body.bool("with_pieces").orElse(false);
        Tokenizer tokenizer = model.tokenizer();
        int[] ids = tokenizer.encode(content, addSpecial, parseSpecial);
        List<Object> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            tokens.add(withPieces ? new Wire.TokenPiece(id, piece(tokenizer.pieceBytes(id, true))) : id);
        }
        ctx.contentType("application/json").result(json.write(new Wire.Tokens(tokens)));
    }

    /** Concatenates the tokens' pieces, special tokens rendered, as llama-server's /detokenize does. */
    void detokenize(Context ctx) {
        RequestObject body = RequestObject.root(json.parse(ctx.bodyAsBytes()));
        ServedModel model = models.resolve(body);
        JsonNode tokens = body.raw("tokens");
        if (tokens == null) {
            throw body.missing("tokens");
        }
        if (!tokens.isArray()) {
            throw body.wrongType("tokens", "an array of token ids");
        }
        int[] ids = PromptTokens.checkedIds(tokens, "tokens", model.tokenizer());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            bytes.writeBytes(model.tokenizer().pieceBytes(id, true));
        }
        String content = bytes.toString(StandardCharsets.UTF_8);
        ctx.contentType("application/json").result(json.write(new Wire.Detokenized(content)));
    }

    /** The chat prompt a conversation renders to ({@code add_generation_prompt} defaults to true). */
    void applyTemplate(Context ctx) {
        RequestObject body = RequestObject.root(json.parse(ctx.bodyAsBytes()));
        ServedModel model = models.resolve(body);
        ChatInput input = ChatInput.parse(body, json);
        boolean addGenerationPrompt = body.bool("add_generation_prompt").orElse(true);
        String prompt = model.chat().render(input.messages(), input.tools(), addGenerationPrompt,
                input.templateVariables());
        ctx.contentType("application/json").result(json.write(new Wire.RenderedPrompt(prompt)));
    }

    private static Object piece(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            List<Integer> raw = new ArrayList<>(bytes.length);
            for (byte b : bytes) {
                raw.add(b & 0xFF);
            }
            return raw;
        }
    }
}
