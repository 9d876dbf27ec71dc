package org.infer4j.server.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.infer4j.engine.model.KvCache;
import org.infer4j.engine.model.LanguageModel;
import org.infer4j.engine.model.LayoutCache;
import org.infer4j.engine.model.ModelLoader;
import org.infer4j.gguf.GgufFile;
import org.infer4j.gguf.TensorInfo;
import org.infer4j.server.registry.RegistryLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code infer4j bench --model M -p 512 -n 128 -t 2 -r 5}: prompt-processing and generation speed in the
 * shape of llama.cpp's {@code llama-bench} markdown table, so the two can be read side by side. As there,
 * {@code ppN} feeds N random tokens in one call to an empty cache and {@code tgN} generates N tokens one at a
 * time from an empty cache; each test runs untimed to warm up (for {@code --warmup} seconds, at least once, then on
 * until a run passes with the JIT compilers all but idle, for at most ten times {@code --warmup}), then {@code -r}
 * timed repetitions, and reports the mean tokens/s ± the sample standard deviation: the steady state a server reaches
 * after its first requests. The warm-up is longer than llama-bench's single run because the JIT is still compiling
 * the per-layer code after one, on the cores the workers run on: a Qwen2.5-0.5B-shaped Q4_0 tg128 right after one
 * warm-up run read 91-124 t/s in six starts, its later runs 122-144. With {@code -d D} every test starts from a cache
 * already holding a random prompt of D tokens (fed untimed before each run, as llama-bench's {@code -d} does), so
 * {@code tg128 @ d4096} is generation speed at long context. Load time, the weight bytes one generated token
 * reads and the garbage collections during each test go to standard error.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Measure prompt processing and generation speed (llama-bench style table).")
final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH", description = "GGUF model file.")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "512", paramLabel = "N",
            description = "Prompt tokens of the pp test, 0 to skip it (default: ${DEFAULT-VALUE}).")
    int prompt;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "128", paramLabel = "N",
            description = "Generated tokens of the tg test, 0 to skip it (default: ${DEFAULT-VALUE}).")
    int generate;

    @Option(names = {"-d", "--n-depth"}, defaultValue = "0", paramLabel = "N",
            description = "Prompt tokens already in the cache before each test, fed untimed (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: available processors).")
    Integer threads;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", paramLabel = "N",
            description = "Timed repetitions of each test (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "SECONDS",
            description = "Untimed runs of each test first, for this long and at least once, then until one runs with the"
                    + " JIT compilers idle, for at most ten times this long (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = {"-b", "--batch-size"}, defaultValue = "512", paramLabel = "N",
            description = "Most prompt tokens per forward step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @CommandLine.Mixin
    LayoutCacheOptions layoutCache = new LayoutCacheOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (prompt < 0 || generate < 0 || depth < 0 || repetitions < 1 || batchSize < 1 || !(warmupSeconds >= 0)) {
            throw new CliException("-p, -n, -d and --warmup must be at least 0, -r and -b at least 1", 1);
        }
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long loadStart = System.nanoTime();
        GgufFile gguf = RegistryLoader.open(model);
        long weightBytes = 0;
        long streamedBytes = streamedBytesPerToken(gguf);
        for (TensorInfo t : gguf.tensors().values()) {
            weightBytes += gguf.tensorData(t).byteSize();
        }
        Optional<LayoutCache> cache = layoutCache.directory().map(directory -> LayoutCache.open(directory, gguf));
        try (LanguageModel lm = ModelLoader.load(gguf, workers, batchSize, cache, ModelLoader.Relayout.IN_BACKGROUND)) {
            // Ready as a server is: weights mapped. The runs wait for the copies still being re-laid (a first start).
            err.printf(Locale.ROOT, "load: %.3f s, weights streamed per generated token: %d bytes%n",
                    (System.nanoTime() - loadStart) / 1e9, streamedBytes);
            lm.awaitLayout();
            err.printf(Locale.ROOT, "copies laid out in the background, if any, in use %.3f s after the load began%n",
                    (System.nanoTime() - loadStart) / 1e9);
            cache.ifPresent(c -> err.println("re-laid weights: " + describe(c)));
            String label = lm.spec().architecture() + " " + paramsLabel(lm.spec().parameterCount()) + " " + lm.spec().quantization();
            out.println("| model                          |       size |     params | backend    | threads |            test |                  t/s |");
            out.println("| ------------------------------ | ---------: | ---------: | ---------- | ------: | --------------: | -------------------: |");
            out.flush();
            int contextLength = lm.spec().contextLength();
            if (depth + Math.max(prompt, generate) > contextLength) {
                throw new CliException("-d " + depth + " plus " + Math.max(prompt, generate)
                        + " test tokens exceed the model's context of " + contextLength, 1);
            }
            String at = depth > 0 ? " @ d" + depth : "";
            List<Test> tests = new ArrayList<>();
            if (prompt > 0) {
                tests.add(new Test("pp" + prompt + at, prompt, true, depth));
            }
            if (generate > 0) {
                tests.add(new Test("tg" + generate + at, generate, false, depth));
            }
            for (Test test : tests) {
                // One cache per test, emptied before each run: a cache is a few large arrays, and allocating one per
                // run started a concurrent collection cycle (humongous allocations) whose pauses fell in the timed run.
                KvCache kv = lm.newCache(test.depth + test.tokens);
                int warmups = 0;
                double warmed = 0, lastRate, lastSeconds, lastCompiling;
                do {
                    long compiledBefore = compilationMillis();
                    Timing timing = test.run(lm, kv);
                    lastCompiling = (compilationMillis() - compiledBefore) / 1e3;
                    lastSeconds = timing.seconds();
                    warmed += lastSeconds;
                    lastRate = test.tokens / lastSeconds;
                    warmups++;
                } while (warmed < warmupSeconds
                        || (lastCompiling > JIT_QUIET * lastSeconds && warmed < JIT_WAIT * warmupSeconds));
                err.printf(Locale.ROOT, "%s: %d untimed warm-up runs, %.1f s, the last at %.2f t/s with %.0f ms of JIT"
                        + " compilation%n", test.name, warmups, warmed, lastRate, lastCompiling * 1e3);
                long collections = 0;
                double[] rates = new double[repetitions];
                for (int i = 0; i < repetitions; i++) {
                    Timing timing = test.run(lm, kv);
                    rates[i] = test.tokens / timing.seconds();
                    collections += timing.collections();
                    err.printf(Locale.ROOT, "%s run %d: %.2f t/s%n", test.name, i + 1, rates[i]);
                }
                err.printf("%s: %d garbage collections during %d timed runs%n", test.name, collections, repetitions);
                residentMemory().ifPresent(memory -> err.printf("%s: resident %s%n", test.name, memory));
                err.flush();
                out.printf(Locale.ROOT, "| %-30s | %10s | %8.2f %s | %-10s | %7d | %15s | %20s |%n", label,
                        size(weightBytes), scaledParams(lm.spec().parameterCount()), paramsUnit(lm.spec().parameterCount()),
                        "Java", workers, test.name, meanSd(rates));
                out.flush();
            }
            out.println();
            out.println("build: infer4j " + new VersionProvider().getVersion()[0]);
            out.flush();
        }
        return 0;
    }

    /** What the load took from the layout cache and what it laid out (and now writes there). */
    private static String describe(LayoutCache cache) {
        LayoutCache.Summary s = cache.summary();
        String where = cache.file().map(Path::toString).orElse("no cache file");
        if (s.mapped() + s.laidOut() == 0) {
            return "none";
        }
        return String.format(Locale.ROOT, "%d mapped (%d MiB) from %s, %d laid out (%d MiB)%s", s.mapped(),
                s.mappedBytes() >> 20, where, s.laidOut(), s.laidOutBytes() >> 20,
                s.laidOut() > 0 && cache.file().isPresent() ? ", being written there" : "");
    }

    /**
     * This process's resident memory as Linux counts it ({@code /proc/self/status}): all of it, the mapped files'
     * pages (the weights read from the mapping) and the anonymous ones (heap, KV cache, re-laid weights); empty
     * where that file does not exist.
     */
    static Optional<String> residentMemory() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return Optional.empty();
        }
        try {
            Map<String, Long> kb = new HashMap<>();
            for (String line : Files.readAllLines(status)) {
                String[] kv = line.split(":\\s+");
                if (kv.length == 2 && kv[1].endsWith(" kB")) {
                    kb.put(kv[0], Long.parseLong(kv[1].substring(0, kv[1].length() - 3).trim()));
                }
            }
            if (!kb.containsKey("VmRSS")) {
                return Optional.empty();
            }
            return Optional.of(String.format(Locale.ROOT, "%d MiB (mapped files %d MiB, anonymous %d MiB)",
                    kb.get("VmRSS") / 1024, kb.getOrDefault("RssFile", 0L) / 1024, kb.getOrDefault("RssAnon", 0L) / 1024));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A warm-up run is JIT-quiet when the compilers worked for less than this share of its time. They run on the
     * same cores as the workers: with one warm-up run, Qwen2.5-0.5B-shaped Q4_0 pp512's next runs still overlapped
     * C2 compiling the per-layer code (Attention.run, MatMul.run, ...), 599-656 t/s against 650-730 once quiet.
     */
    private static final double JIT_QUIET = 0.01;
    /** The warm-up waits for a JIT-quiet run for at most this many times {@code --warmup}. */
    private static final double JIT_WAIT = 10;

    /** Milliseconds the JIT compilers have worked so far (summed over their threads), 0 where not measured. */
    private static long compilationMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** One timed run: its seconds, and the garbage collections while it ran (the cache is the test's, emptied). */
    private record Timing(double seconds, long collections) {}

    /**
     * One llama-bench test: {@code tokens} random tokens, as one prompt or one by one, into the test's cache, emptied,
     * that first gets {@code depth} random prompt tokens, untimed.
     */
    private record Test(String name, int tokens, boolean prompt, int depth) {
        Timing run(LanguageModel lm, KvCache cache) {
            int vocab = lm.spec().vocabSize();
            SplittableRandom rnd = new SplittableRandom(tokens);
            int[] ids = randomTokens(rnd, tokens, vocab);
            float[] logits = new float[vocab];
            cache.truncate(0);
            if (depth > 0) {
                lm.forward(cache, randomTokens(rnd, depth, vocab), logits);
            }
            long gcBefore = gcCount();
            long t0 = System.nanoTime();
            if (prompt) {
                lm.forward(cache, ids, logits);
            } else {
                int[] one = new int[1];
                for (int i = 0; i < tokens; i++) {
                    one[0] = ids[i];
                    lm.forward(cache, one, logits);
                }
            }
            return new Timing((System.nanoTime() - t0) / 1e9, gcCount() - gcBefore);
        }

        private static int[] randomTokens(SplittableRandom rnd, int count, int vocab) {
            int[] ids = new int[count];
            for (int i = 0; i < count; i++) {
                ids[i] = rnd.nextInt(vocab);
            }
            return ids;
        }
    }

    /** Bytes of every tensor but the token embedding (read one row per token) unless it doubles as the output. */
    private static long streamedBytesPerToken(GgufFile gguf) {
        boolean tied = gguf.findTensor("output.weight").isEmpty();
        long bytes = 0;
        for (TensorInfo t : gguf.tensors().values()) {
            if (tied || !t.name().equals("token_embd.weight")) {
                bytes += gguf.tensorData(t).byteSize();
            }
        }
        return bytes;
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    static String meanSd(double[] values) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double var = 0;
        for (double v : values) {
            var += (v - mean) * (v - mean);
        }
        double sd = values.length > 1 ? Math.sqrt(var / (values.length - 1)) : 0;
        return String.format(Locale.ROOT, "%.2f ± %.2f", mean, sd);
    }

    /** As llama-bench: MiB below one GiB. */
    private static String size(long bytes) {
        return bytes < (1L << 30)
                ? String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }

    private static String paramsLabel(long params) {
        return params >= 1_000_000_000L
                ? String.format(Locale.ROOT, "%.1fB", params / 1e9)
                : String.format(Locale.ROOT, "%dM", Math.round(params / 1e6));
    }

    private static double scaledParams(long params) {
        return params >= 1_000_000_000L ? params / 1e9 : params / 1e6;
    }

    private static String paramsUnit(long params) {
        return params >= 1_000_000_000L ? "B" : "M";
    }
}
