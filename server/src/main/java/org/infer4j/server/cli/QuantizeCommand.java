package org.infer4j.server.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.infer4j.engine.model.ModelQuantizer;
import org.infer4j.engine.tensor.UnsupportedTensorTypeException;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.GgufFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code infer4j quantize IN.gguf OUT.gguf TYPE}: every matrix stored as TYPE, as {@code llama-quantize --pure}
 * does (1-D tensors stay as they are; a matrix whose rows are not whole blocks of TYPE is stored as F16).
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Rewrite a GGUF model with every matrix in one type, like llama-quantize --pure.")
final class QuantizeCommand implements Callable<Integer> {
    static final int BAD_ARGUMENT = 2;

    @Parameters(index = "0", paramLabel = "IN.gguf", description = "Model to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.gguf", description = "File to write.")
    Path out;

    @Parameters(index = "2", paramLabel = "TYPE", description = "Target type: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, BF16 or F32.")
    String type;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        GgmlType target = parseType(type);
        if (!Files.isRegularFile(in)) {
            throw new CliException(in + ": no such file", BAD_ARGUMENT);
        }
        if (in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new CliException("OUT.gguf must differ from IN.gguf", BAD_ARGUMENT);
        }
        try (GgufFile source = GgufFile.open(in)) {
            ModelQuantizer.quantize(source, out, target);
        } catch (GgufFormatException | UnsupportedTensorTypeException e) {
            throw new CliException(in + ": " + e.getMessage(), Main.BAD_MODEL);
        } catch (IOException e) {
            throw new CliException("cannot quantize " + in + " to " + out + ": " + e.getMessage(), Main.BAD_MODEL);
        }
        spec.commandLine().getOut().printf("infer4j: wrote %s (%s)%n", out, target);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static GgmlType parseType(String name) {
        String supported = ModelQuantizer.TARGETS.stream().map(Enum::name).collect(Collectors.joining(", "));
        GgmlType t;
        try {
            t = GgmlType.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException("unknown type " + name + " (supported: " + supported + ")", BAD_ARGUMENT);
        }
        if (!ModelQuantizer.TARGETS.contains(t)) {
            throw new CliException("cannot quantize to " + t + " (supported: " + supported + ")", BAD_ARGUMENT);
        }
        return t;
    }
}
