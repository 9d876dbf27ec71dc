package org.infer4j.server.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models this server answers for, by id, in the order they were given. Owns what was opened to
 * serve them (mapped files, generators, worker pools) and closes it, newest first.
 */
public final class ModelRegistry implements AutoCloseable {
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final List<AutoCloseable> resources;
    private final List<Runnable> warmUps;

    public ModelRegistry(List<ServedModel> models, List<AutoCloseable> resources) {
        this(models, resources, List.of());
    }

    /** With {@code warmUps}: each starts one model's warm-up and returns ({@link #warmUp}). */
    public ModelRegistry(List<ServedModel> models, List<AutoCloseable> resources, List<Runnable> warmUps) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("a registry needs at least one model");
        }
        for (ServedModel model : models) {
            if (this.models.putIfAbsent(model.id(), model) != null) {
                throw new IllegalArgumentException("two models share the id '" + model.id() + "'");
            }
        }
        this.resources = new ArrayList<>(resources);
        this.warmUps = List.copyOf(warmUps);
    }

    /**
     * Starts warming every model up on its own inference thread and returns: its kernels compile before its first
     * request needs them rather than during it.
     */
    public void warmUp() {
        warmUps.forEach(Runnable::run);
    }

    public Optional<ServedModel> find(String id) {
        return Optional.ofNullable(models.get(id));
    }

    /** The model used when a request names none: the first one given. */
    public ServedModel defaultModel() {
        return models.values().iterator().next();
    }

    public List<ServedModel> all() {
        return List.copyOf(models.values());
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing model resources failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        resources.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
