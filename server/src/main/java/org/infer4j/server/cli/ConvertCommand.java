package org.infer4j.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.infer4j.engine.convert.CheckpointFormatException;
import org.infer4j.engine.convert.HfCheckpointConverter;
import org.infer4j.engine.convert.OutputType;
import org.infer4j.engine.convert.UnsupportedCheckpointException;
import org.infer4j.engine.tokenizer.hf.TokenizerImportException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code infer4j convert DIR OUT.gguf}: a Hugging Face checkpoint folder into a GGUF file llama.cpp loads. */
@Command(name = "convert", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Convert a Hugging Face model folder (config.json, *.safetensors, tokenizer.json, "
                + "tokenizer_config.json) into a GGUF file.")
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "Hugging Face model folder.")
    Path modelDir;

    @Parameters(index = "1", paramLabel = "OUT.gguf", description = "GGUF file to write.")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "source",
            description = "Matrix precision: source (keep the checkpoint's), f32, f16 or bf16 (default: ${DEFAULT-VALUE}). "
                    + "Norms and biases are always f32.")
    String type;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        OutputType outputType = switch (type.toLowerCase(java.util.Locale.ROOT)) {
            case "source" -> OutputType.SOURCE;
            case "f32" -> OutputType.F32;
            case "f16" -> OutputType.F16;
            case "bf16" -> OutputType.BF16;
            default -> throw new CliException("--type must be source, f32, f16 or bf16, not " + type, Main.BAD_MODEL);
        };
        try {
            HfCheckpointConverter.Result result = HfCheckpointConverter.convert(modelDir, out, outputType);
            spec.commandLine().getOut().printf("infer4j: wrote %s (%s as %s, %d tensors)%n", result.file(),
                    result.hfArchitecture(), result.ggufArchitecture(), result.tensorCount());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (CheckpointFormatException | UnsupportedCheckpointException | TokenizerImportException e) {
            throw new CliException(modelDir + ": " + e.getMessage(), Main.BAD_MODEL);
        } catch (IOException e) {
            throw new CliException(modelDir + ": cannot convert: " + e.getMessage(), Main.BAD_MODEL);
        }
    }
}
