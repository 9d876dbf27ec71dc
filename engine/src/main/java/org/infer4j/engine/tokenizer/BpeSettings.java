package org.infer4j.engine.tokenizer;

/**
 * What a {@code tokenizer.ggml.pre} name means for a BPE vocabulary, as llama.cpp's loader decides it:
 * which pre-tokenizer, whether whole words that are tokens skip the merges, whether decoding cleans
 * tokenization spaces, whether BOS is added by default (or always) and whether the vocabulary has a BOS at
 * all. SentencePiece-style BPE vocabularies (Gemma 4, Sarvam) work on raw UTF-8 instead of GPT-2's byte
 * characters ({@code rawUtf8}) and see spaces as U+2581 ({@code escapeSpaces}); the whitespace
 * pre-tokenizer does not lowercase in the whitespace tokenizer model ({@code keepCase}).
 */
record BpeSettings(PreTokenizerType type, boolean ignoreMerges, boolean cleanSpaces, boolean addBos, boolean noBos,
                   boolean alwaysBos, boolean rawUtf8, boolean escapeSpaces, boolean keepCase, boolean known) {

    private static BpeSettings of(PreTokenizerType type) {
        return new BpeSettings(type, false, true, false, false, false, false, false, false, true);
    }

    private BpeSettings ignoringMerges() {
        return new BpeSettings(type, true, cleanSpaces, addBos, noBos, alwaysBos, rawUtf8, escapeSpaces, keepCase, known);
    }

    private BpeSettings keepingSpaces() {
        return new BpeSettings(type, ignoreMerges, false, addBos, noBos, alwaysBos, rawUtf8, escapeSpaces, keepCase, known);
    }

    private BpeSettings addingBos() {
        return new BpeSettings(type, ignoreMerges, cleanSpaces, true, noBos, alwaysBos, rawUtf8, escapeSpaces, keepCase, known);
    }

    private BpeSettings withoutBos() {
        return new BpeSettings(type, ignoreMerges, cleanSpaces, addBos, true, alwaysBos, rawUtf8, escapeSpaces, keepCase, known);
    }

    /** Gemma 4: BOS is added even when the file says not to (llama.cpp overrides the key). */
    private BpeSettings alwaysAddingBos() {
        return new BpeSettings(type, ignoreMerges, cleanSpaces, true, noBos, true, rawUtf8, escapeSpaces, keepCase, known);
    }

    private BpeSettings onRawUtf8() {
        return new BpeSettings(type, ignoreMerges, cleanSpaces, addBos, noBos, alwaysBos, true, escapeSpaces, keepCase, known);
    }

    private BpeSettings escapingSpaces() {
        return new BpeSettings(type, ignoreMerges, cleanSpaces, addBos, noBos, alwaysBos, rawUtf8, true, keepCase, known);
    }

    private BpeSettings keepingCase() {
        return new BpeSettings(type, ignoreMerges, cleanSpaces, addBos, noBos, alwaysBos, rawUtf8, escapeSpaces, true, known);
    }

    /** The settings for {@code pre}; an unknown name gives the default pre-tokenizer, marked unknown. */
    static BpeSettings forPre(String pre) {
        return switch (pre) {
            case "default" -> of(PreTokenizerType.DEFAULT);
            case "minicpm5" -> of(PreTokenizerType.MINICPM5).ignoringMerges();
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
                 "jina-v5-nano" -> of(PreTokenizerType.LLAMA3).ignoringMerges().addingBos();
            case "deepseek-llm" -> of(PreTokenizerType.DEEPSEEK_LLM).keepingSpaces();
            case "deepseek-coder" -> of(PreTokenizerType.DEEPSEEK_CODER).keepingSpaces();
            case "deepseek-v3", "hunyuan-dense", "hy_v4", "joyai-llm" -> of(PreTokenizerType.DEEPSEEK3_LLM).keepingSpaces();
            case "spark2_5" -> of(PreTokenizerType.SPARK2_5).keepingSpaces();
            case "youtu" -> of(PreTokenizerType.YOUTU).keepingSpaces().ignoringMerges();
            case "falcon" -> of(PreTokenizerType.FALCON);
            case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2" -> of(PreTokenizerType.STARCODER);
            case "command-r", "smollm" -> of(PreTokenizerType.STARCODER).keepingSpaces();
            case "mpt", "olmo", "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                 "a.x-4.0", "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "jais", "exaone4" ->
                    of(PreTokenizerType.GPT2);
            case "trillion", "granite-docling" -> of(PreTokenizerType.GPT2).keepingSpaces();
            case "jais-2" -> of(PreTokenizerType.JAIS2);
            case "gemma4", "granite-embed-multi-311m" ->
                    of(PreTokenizerType.GEMMA4).onRawUtf8().escapingSpaces().alwaysAddingBos();
            case "sarvam-moe" -> of(PreTokenizerType.SARVAM_MOE).onRawUtf8().escapingSpaces().keepingSpaces();
            case "whitespace" -> of(PreTokenizerType.WHITESPACE).onRawUtf8().keepingCase();
            case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open" ->
                    of(PreTokenizerType.QWEN2).keepingSpaces();
            case "stablelm2", "megrez" -> of(PreTokenizerType.QWEN2);
            case "qwen35" -> of(PreTokenizerType.QWEN35).keepingSpaces();
            case "dbrx", "smaug-bpe" -> of(PreTokenizerType.LLAMA3);
            case "poro-chat" -> of(PreTokenizerType.PORO).keepingSpaces();
            case "bloom", "gpt3-finnish" -> of(PreTokenizerType.PORO);
            case "glm4", "chatglm-bpe" -> of(PreTokenizerType.LLAMA3).withoutBos();
            case "viking" -> of(PreTokenizerType.VIKING).keepingSpaces();
            case "tekken" -> of(PreTokenizerType.TEKKEN).keepingSpaces().ignoringMerges().addingBos();
            case "chameleon" -> of(PreTokenizerType.CHAMELEON).addingBos().keepingSpaces();
            case "gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2" -> of(PreTokenizerType.GPT4O).keepingSpaces();
            case "granite-embed-multi-97m" -> of(PreTokenizerType.GRANITE_EMB_MULTI).keepingSpaces().ignoringMerges();
            case "tiny_aya", "cohere2moe" -> of(PreTokenizerType.TINY_AYA).keepingSpaces();
            case "superbpe" -> of(PreTokenizerType.SUPERBPE).keepingSpaces();
            case "bailingmoe", "bailingmoe2", "llada-moe" -> of(PreTokenizerType.BAILINGMOE).keepingSpaces();
            case "seed-coder" -> of(PreTokenizerType.SEED_CODER).keepingSpaces();
            case "ufakzeka" -> of(PreTokenizerType.UFAKZEKA).keepingSpaces();
            case "grok-2" -> of(PreTokenizerType.QWEN2).keepingSpaces();
            case "kimi-k2" -> of(PreTokenizerType.KIMI_K2).keepingSpaces();
            case "afmoe" -> of(PreTokenizerType.AFMOE).keepingSpaces();
            case "laguna" -> of(PreTokenizerType.LAGUNA).keepingSpaces();
            case "exaone-moe" -> of(PreTokenizerType.EXAONE_MOE);
            default -> new BpeSettings(PreTokenizerType.DEFAULT, false, true, false, false, false, false, false, false,
                    false);
        };
    }
}
