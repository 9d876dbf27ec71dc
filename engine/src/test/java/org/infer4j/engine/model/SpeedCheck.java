package org.infer4j.engine.model;

import java.nio.file.Files;
import java.nio.file.Path;
import org.infer4j.gguf.GgmlType;
import org.infer4j.gguf.GgufFile;

/**
 * Prints prompt-processing and generation speed (tokens/s) on a generated Qwen2.5-0.5B-shaped llama model,
 * like llama-bench's pp128 / tg64. Not a test: run it by hand.
 *
 * <p>usage: {@code SpeedCheck MODEL.gguf [TYPE=Q8_0] [THREADS=2]} (the model is generated if missing)
 */
public final class SpeedCheck {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        GgmlType type = GgmlType.valueOf(args.length > 1 ? args[1] : "Q8_0");
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        if (!Files.exists(file)) {
            System.out.println("generating " + file);
            RandomLlamaModel.write(file, RandomLlamaModel.QWEN_0_5B, type, 7, null);
        }
        try (LanguageModel model = ModelLoader.load(GgufFile.open(file), threads)) {
            float[] logits = new float[model.spec().vocabSize()];
            int[] prompt = new int[128];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = (i * 7919) % model.spec().vocabSize();
            }
            for (int round = 0; round < 3; round++) {
                KvCache cache = model.newCache(256);
                long t0 = System.nanoTime();
                model.forward(cache, prompt, logits);
                long t1 = System.nanoTime();
                int[] one = new int[1];
                for (int i = 0; i < 64; i++) {
                    one[0] = (i * 31) % model.spec().vocabSize();
                    model.forward(cache, one, logits);
                }
                long t2 = System.nanoTime();
                System.out.printf("round %d: %s %s, %d threads: pp128 %.1f tok/s, tg64 %.1f tok/s%n", round,
                        model.spec().quantization(), file.getFileName(), threads,
                        128 / ((t1 - t0) / 1e9), 64 / ((t2 - t1) / 1e9));
            }
        }
    }
}
