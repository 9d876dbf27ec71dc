package org.infer4j.engine.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's tokenizer test vectors, read as its test-tokenizer-0 reads them: the {@code .inp} file is
 * split on {@code "\n__ggml_vocab_test__\n"} (the text after the last separator, if any, is one more case)
 * and line i of {@code .out} holds the space-separated ids of case i, tokenized without BOS/EOS and
 * without parsing special tokens.
 */
record VocabVectors(List<Case> cases) {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    record Case(String input, int[] expected) {}

    static VocabVectors read(Path inp, Path out) {
        try {
            String raw = Files.readString(inp, StandardCharsets.UTF_8);
            List<String> inputs = new ArrayList<>();
            int pos = 0;
            while (pos < raw.length()) {
                int next = raw.indexOf(SEPARATOR, pos);
                if (next < 0) {
                    inputs.add(raw.substring(pos));
                    break;
                }
                inputs.add(raw.substring(pos, next));
                pos = next + SEPARATOR.length();
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            if (lines.size() != inputs.size()) {
                throw new AssertionError(inp + ": " + inputs.size() + " inputs but " + lines.size() + " output lines");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                String ids = lines.get(i).strip();
                int[] expected = ids.isEmpty() ? new int[0]
                        : Arrays.stream(ids.split(" ")).mapToInt(Integer::parseInt).toArray();
                cases.add(new Case(inputs.get(i), expected));
            }
            return new VocabVectors(cases);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
