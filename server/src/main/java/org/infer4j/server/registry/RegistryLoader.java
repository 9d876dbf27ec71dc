package org.infer4j.server.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.infer4j.engine.convert.CheckpointFormatException;
import org.infer4j.engine.convert.ModelSources;
import org.infer4j.engine.convert.UnsupportedCheckpointException;
import org.infer4j.engine.generate.Generator;
import org.infer4j.engine.generate.GeneratorOptions;
import org.infer4j.engine.model.InvalidModelException;
import org.infer4j.engine.model.LanguageModel;
import org.infer4j.engine.model.LayoutCache;
import org.infer4j.engine.model.ModelLoader;
import org.infer4j.engine.model.UnsupportedModelException;
import org.infer4j.engine.template.BuiltinChatFormat;
import org.infer4j.engine.template.ChatTemplate;
import org.infer4j.engine.template.TemplateSyntaxException;
import org.infer4j.engine.tensor.UnsupportedTensorTypeException;
import org.infer4j.engine.tokenizer.Tokenizer;
import org.infer4j.engine.tokenizer.Tokenizers;
import org.infer4j.engine.tokenizer.UnsupportedTokenizerException;
import org.infer4j.engine.tokenizer.hf.TokenizerImportException;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufFormatException;

/**
 * Opens model files and builds what serving them takes, turning every typed failure of the format, the
 * model families, the tokenizers and the chat templates into one {@link ModelLoadException} naming the file.
 */
public final class RegistryLoader {
    private static final String CHAT_TEMPLATE_KEY = "tokenizer.chat_template";
    /** Sequences each model's generator runs at once (more requests queue); also bounds n per request. */
    private static final int PARALLEL_SEQUENCES = 4;

    private RegistryLoader() {}

    /**
     * Loads every model once: file, tokenizer, weights on {@code settings.threads()} workers, chat template and
     * generator. On any failure what was loaded so far is closed again.
     */
    public static ModelRegistry load(List<ModelSource> sources, LoadSettings settings) {
        List<ServedModel> models = new ArrayList<>();
        List<AutoCloseable> resources = new ArrayList<>();
        List<Runnable> warmUps = new ArrayList<>();
        try {
            for (ModelSource source : sources) {
                models.add(loadOne(source, settings, resources, warmUps));
            }
            return new ModelRegistry(models, resources, warmUps);
        } catch (RuntimeException e) {
            for (int i = resources.size() - 1; i >= 0; i--) {
                try {
                    resources.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** The text side of a model: its tokenizer and chat template. */
    private record TextSide(Tokenizer tokenizer, ChatTemplate template) {}

    private static ServedModel loadOne(ModelSource source, LoadSettings settings, List<AutoCloseable> resources,
                                       List<Runnable> warmUps) {
        Path file = source.file();
        GgufFile gguf = open(file);
        // The tokenizer and template are built from the metadata on a thread of their own while the weights load
        // (each ~0.1 s for a 128k vocabulary); both only read the file.
        FutureTask<TextSide> textSide = new FutureTask<>(() -> {
            Tokenizer tokenizer = tokenizer(gguf);
            return new TextSide(tokenizer, chatTemplate(gguf, tokenizer, settings));
        });
        Thread.ofPlatform().name("text-side-load").start(textSide);
        LanguageModel model;
        try {
            // from here on the model owns the file
            model = ModelLoader.load(gguf, settings.threads(), ModelLoader.DEFAULT_BATCH,
                    settings.layoutCache().map(directory -> LayoutCache.open(directory, gguf)), settings.relayout());
        } catch (GgufFormatException | UnsupportedModelException | InvalidModelException
                 | UnsupportedTensorTypeException e) {
            awaitQuietly(textSide);
            gguf.close();
            throw failure(file, e);
        } catch (RuntimeException e) {
            awaitQuietly(textSide);
            gguf.close();
            throw e;
        }
        Tokenizer tokenizer;
        ChatTemplate template;
        try {
            TextSide text = await(textSide);
            tokenizer = text.tokenizer();
            template = text.template();
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        resources.add(model);
        GeneratorOptions options = settings.contextSize()
                .map(size -> new GeneratorOptions(size, PARALLEL_SEQUENCES))
                .orElseGet(() -> GeneratorOptions.defaults(model.spec()));
        Generator generator;
        try {
            generator = new Generator(model, tokenizer, options);
        } catch (IllegalArgumentException e) { // a context larger than the model was trained for
            throw failure(file, e);
        }
        resources.add(generator);
        warmUps.add(generator::warmUp);
        return new ServedModel(source.id(), model.spec(), tokenizer, template::renderWithSystemFallback,
                generator::submit, generator.contextSize(), System.currentTimeMillis() / 1000);
    }

    /** The task's result; its unchecked failure rethrown as it was. */
    private static TextSide await(FutureTask<TextSide> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the task to end (it reads the file about to be closed), whatever its outcome. */
    private static void awaitQuietly(FutureTask<TextSide> task) {
        try {
            await(task);
        } catch (RuntimeException | Error ignored) {
            // the model's own failure is the one reported
        }
    }

    /** {@code --chat-template-file}, else the file's own template, else a built-in format for its architecture. */
    private static ChatTemplate chatTemplate(GgufFile gguf, Tokenizer tokenizer, LoadSettings settings) {
        String bos = tokenizer.bosToken() >= 0 ? tokenizer.tokenText(tokenizer.bosToken()) : "";
        String eos = tokenizer.eosToken() >= 0 ? tokenizer.tokenText(tokenizer.eosToken()) : "";
        if (settings.chatTemplateFile().isPresent()) {
            Path templateFile = settings.chatTemplateFile().get();
            String source;
            try {
                source = Files.readString(templateFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ModelLoadException(templateFile, "cannot read chat template: " + e.getMessage(), e);
            }
            return parse(templateFile, source, bos, eos);
        }
        var own = gguf.findString(CHAT_TEMPLATE_KEY);
        if (own.isPresent()) {
            return parse(gguf.path(), own.get(), bos, eos);
        }
        String architecture = gguf.findString("general.architecture").orElse("");
        Set<String> vocabulary = new HashSet<>();
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            vocabulary.add(tokenizer.tokenText(id));
        }
        return ChatTemplate.builtin(BuiltinChatFormat.forModel(architecture, vocabulary::contains), bos, eos);
    }

    private static ChatTemplate parse(Path origin, String source, String bos, String eos) {
        try {
            return ChatTemplate.of(source, bos, eos);
        } catch (TemplateSyntaxException e) {
            throw new ModelLoadException(origin, "chat template does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * What {@code --model PATH} names, as something to load: a GGUF file as is, or a Hugging Face model folder
     * converted (once, cached by {@code converter}) into a GGUF file, served under the folder's name.
     */
    public static ModelSource resolve(Path model, Optional<String> alias, ModelSources converter) {
        if (!ModelSources.isHfModelDir(model)) {
            return new ModelSource(model, alias);
        }
        try {
            Path gguf = converter.resolve(model);
            return new ModelSource(gguf, alias.or(() -> Optional.of(model.toAbsolutePath().normalize().getFileName().toString())));
        } catch (CheckpointFormatException | UnsupportedCheckpointException | TokenizerImportException e) {
            throw failure(model, e);
        } catch (IOException e) {
            throw new ModelLoadException(model, "cannot convert: " + e.getMessage(), e);
        }
    }

    /** Maps {@code file}; a missing, unreadable, truncated or non-GGUF file is a {@link ModelLoadException}. */
    public static GgufFile open(Path file) {
        try {
            return GgufFile.open(file);
        } catch (GgufFormatException e) {
            throw failure(file, e);
        }
    }

    /** The vocabulary of {@code gguf} (works on vocabulary-only files). */
    public static Tokenizer tokenizer(GgufFile gguf) {
        try {
            return Tokenizers.fromGguf(gguf);
        } catch (GgufFormatException | UnsupportedTokenizerException e) {
            throw failure(gguf.path(), e);
        }
    }

    /** The failure's message without the file name the engine may already have put in front of it. */
    static ModelLoadException failure(Path file, RuntimeException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String prefix = file + ": ";
        while (reason.startsWith(prefix)) {
            reason = reason.substring(prefix.length());
        }
        return new ModelLoadException(file, reason.replace('\n', ' '), e);
    }
}
