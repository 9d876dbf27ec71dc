package org.infer4j.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.infer4j.engine.tokenizer.Tokenizer;
import org.infer4j.gguf.GgufFile;
import org.infer4j.server.registry.RegistryLoader;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code infer4j tokenize --model PATH (--prompt TEXT | --file F)}: prints the token ids as llama.cpp's
 * {@code llama-tokenize --ids} does, e.g. {@code [1, 15043, 3186]}. Only the vocabulary is loaded, so
 * vocabulary-only GGUF files work.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Print the token ids of a text as a JSON array.")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH", description = "GGUF file with a vocabulary.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Text to tokenize.")
        String prompt;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "File whose whole content is tokenized.")
        Path file;
    }

    @Option(names = "--no-bos", description = "Do not add BOS (or other special tokens) even if the vocabulary asks.")
    boolean noBos;

    @Option(names = "--parse-special", description = "Recognise special-token text such as <s> as those tokens.")
    boolean parseSpecial;

    @Option(names = "--batch", description = "The input is a JSON array of strings; print one array of id arrays.")
    boolean batch;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String text = input.prompt != null ? input.prompt : readFile(input.file);
        List<String> texts = batch ? parseBatch(text) : List.of(text);
        try (GgufFile gguf = RegistryLoader.open(model)) {
            Tokenizer tokenizer = RegistryLoader.tokenizer(gguf);
            List<String> arrays = new ArrayList<>(texts.size());
            for (String t : texts) {
                arrays.add(idList(tokenizer.encode(t, !noBos, parseSpecial)));
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(batch ? "[" + String.join(", ", arrays) + "]" : arrays.getFirst());
            out.flush();
        }
        return 0;
    }

    private static String idList(int[] ids) {
        return java.util.Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String readFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage(), 1);
        }
    }

    private static List<String> parseBatch(String json) {
        JsonNode array;
        try {
            array = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new CliException("--batch input is not JSON: " + e.getMessage().lines().findFirst().orElse(""), 1);
        }
        if (array == null || !array.isArray()) {
            throw new CliException("--batch input must be a JSON array of strings", 1);
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                throw new CliException("--batch input must be a JSON array of strings", 1);
            }
            texts.add(element.textValue());
        }
        return texts;
    }
}
