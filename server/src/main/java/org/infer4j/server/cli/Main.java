package org.infer4j.server.cli;

import java.io.PrintWriter;
import org.infer4j.server.registry.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code infer4j serve|tokenize|convert|quantize|bench ...}: the command line. */
@Command(name = "infer4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "OpenAI-compatible inference server for GGUF models, in pure Java.",
        subcommands = {ServeCommand.class, TokenizeCommand.class, ConvertCommand.class, QuantizeCommand.class, BenchCommand.class})
public final class Main implements Runnable {
    /** Exit code for a model file that cannot be used. */
    static final int BAD_MODEL = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: serve, tokenize, convert, quantize or bench");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams and returns the exit code (for tests: no System.exit). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((failure, cl, parsed) -> {
            if (failure instanceof ModelLoadException bad) {
                cl.getErr().println("infer4j: " + bad.getMessage());
                cl.getErr().flush();
                return BAD_MODEL;
            }
            if (failure instanceof CliException cli) {
                cl.getErr().println("infer4j: " + cli.getMessage());
                cl.getErr().flush();
                return cli.exitCode();
            }
            throw failure;
        });
        return commandLine.execute(args);
    }
}
