package org.infer4j.server.api;

import io.javalin.http.Context;
import org.infer4j.server.registry.ServedModel;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}. */
final class ModelsHandler {
    private static final String OWNER = "infer4j";
    private final ModelResolver models;
    private final Json json;

    ModelsHandler(ModelResolver models, Json json) {
        this.models = models;
        this.json = json;
    }

    void list(Context ctx) {
        var data = models.registry().all().stream().map(ModelsHandler::entry).toList();
        ctx.contentType("application/json").result(json.write(new Wire.ModelList("list", data)));
    }

    void get(Context ctx) {
        ServedModel model = models.byId(ctx.pathParam("id"));
        ctx.contentType("application/json").result(json.write(entry(model)));
    }

    /** {@code meta.context_length} is the context this server gives a sequence (--ctx-size), not the trained one. */
    private static Wire.ModelEntry entry(ServedModel model) {
        var spec = model.spec();
        return new Wire.ModelEntry(model.id(), "model", model.created(), OWNER,
                new Wire.ModelMeta(model.contextSize(), spec.architecture(), spec.parameterCount(),
                        spec.quantization(), spec.contextLength(), spec.vocabSize()));
    }
}
