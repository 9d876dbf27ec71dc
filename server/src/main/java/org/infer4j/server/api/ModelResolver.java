package org.infer4j.server.api;

import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ServedModel;

/** The model a request names in {@code "model"}; without one, the first model served (as llama-server does). */
final class ModelResolver {
    private final ModelRegistry registry;

    ModelResolver(ModelRegistry registry) {
        this.registry = registry;
    }

    ServedModel resolve(RequestObject body) {
        return body.string("model").map(this::byId).orElseGet(registry::defaultModel);
    }

    ServedModel byId(String id) {
        return registry.find(id).orElseThrow(() -> ApiException.modelNotFound(id));
    }

    ModelRegistry registry() {
        return registry;
    }
}
