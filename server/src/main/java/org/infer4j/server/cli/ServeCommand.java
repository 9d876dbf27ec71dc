package org.infer4j.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.infer4j.engine.convert.ModelSources;
import org.infer4j.engine.convert.OutputType;
import org.infer4j.engine.model.ModelLoader;
import org.infer4j.server.api.ApiServer;
import org.infer4j.server.api.ServerOptions;
import org.infer4j.server.registry.LoadSettings;
import org.infer4j.server.registry.ModelRegistry;
import org.infer4j.server.registry.ModelSource;
import org.infer4j.server.registry.RegistryLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code infer4j serve --model PATH ...}: load the models, then answer the OpenAI API until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Serve GGUF models over an OpenAI-compatible HTTP API.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "GGUF model file, or a Hugging Face model folder (config.json, safetensors, tokenizer.json) "
                    + "converted once into a cached GGUF; repeat to serve several models.")
    List<Path> models = new ArrayList<>();

    @Option(names = {"-a", "--alias"}, paramLabel = "NAME",
            description = "Model id for clients, paired with --model in order (default: file name without .gguf).")
    List<String> aliases = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Worker threads per model (default: available processors).")
    Integer threads;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context positions per sequence (default: the model's, at most 4096).")
    Integer contextSize;

    @Option(names = "--chat-template-file", paramLabel = "FILE",
            description = "Jinja chat template to use instead of the model's.")
    Path chatTemplateFile;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every endpoint but /health.")
    String apiKey;

    @CommandLine.Mixin
    LayoutCacheOptions layoutCache = new LayoutCacheOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        LoadSettings settings = settings();
        ModelRegistry registry = RegistryLoader.load(sources(), settings);
        ApiServer server;
        try {
            server = new ApiServer(registry, new ServerOptions(host, port, Optional.ofNullable(apiKey),
                    ServerOptions.DEFAULT_MAX_BODY_BYTES)).start();
        } catch (RuntimeException e) {
            registry.close();
            throw new CliException("cannot listen on " + host + ":" + port + ": " + rootMessage(e), 1);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            registry.close();
            stopped.countDown();
        }, "infer4j-shutdown"));
        spec.commandLine().getOut().println("infer4j: serving " + String.join(", ",
                registry.all().stream().map(m -> m.id()).toList()) + " on " + server.url());
        spec.commandLine().getOut().flush();
        // Once listening, not before: warming up compiles the kernels on the same cores the start needs.
        registry.warmUp();
        stopped.await();
        return 0;
    }

    private List<ModelSource> sources() {
        if (aliases.size() > models.size()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "More --alias options (" + aliases.size() + ") than --model options (" + models.size() + ")");
        }
        ModelSources converter = new ModelSources(
                ModelSources.defaultCacheDir(System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home")),
                OutputType.SOURCE);
        List<ModelSource> sources = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            sources.add(RegistryLoader.resolve(models.get(i),
                    i < aliases.size() ? Optional.of(aliases.get(i)) : Optional.empty(), converter));
        }
        return sources;
    }

    private LoadSettings settings() {
        int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (workers < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1");
        }
        if (contextSize != null && contextSize < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--ctx-size must be at least 1");
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be between 0 and 65535");
        }
        // Serving from the mapped file at once; a model file's first start re-lays its weights while it serves.
        return new LoadSettings(workers, Optional.ofNullable(contextSize), Optional.ofNullable(chatTemplateFile),
                layoutCache.directory(), ModelLoader.Relayout.IN_BACKGROUND);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
