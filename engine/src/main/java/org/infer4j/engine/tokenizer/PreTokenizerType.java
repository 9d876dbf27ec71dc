package org.infer4j.engine.tokenizer;

import java.util.List;

/**
 * The byte-level BPE pre-tokenizers llama.cpp knows, each as its list of regexes applied in turn
 * (each regex cuts every piece the previous ones made). The regexes are llama.cpp's, already adapted
 * to ECMAScript syntax ({@code (?i:'s|...)} spelled out as {@code '[sS]|...}).
 */
enum PreTokenizerType {
    DEFAULT(
            "[\\p{P}\\$\\+<=>\\^~\\|]+",
            Regexes.GPT2,
            "\\p{N}+",
            "[0-9][0-9][0-9]"),
    LLAMA3(Regexes.LLAMA3),
    JAIS2(Regexes.CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+"
            + "|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)"
            + "|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}"),
    DEEPSEEK_LLM(
            "[\r\n]",
            "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
            "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
            "\\s+$",
            "[一-龥ࠀ-一가-퟿]+",
            "\\p{N}+"),
    DEEPSEEK3_LLM(
            "\\p{N}{1,3}",
            "[一-龥぀-ゟ゠-ヿ]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
    SPARK2_5(
            "\\p{N}{1,3}",
            "[一-龥぀-ゟ゠-ヿ]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+|[\r\n]|\\s+(?!\\S)|\\s+",
            "\\p{N}"),
    DEEPSEEK_CODER(
            "[\r\n]",
            "\\s?\\p{L}+",
            "\\s?\\p{P}+",
            "[一-龥ࠀ-一가-퟿]+",
            "\\p{N}"),
    FALCON(
            "[\\p{P}\\$\\+<=>\\^~\\|`]+",
            Regexes.GPT2,
            "[0-9][0-9][0-9]"),
    STARCODER(
            "\\p{N}",
            Regexes.GPT2),
    GPT2(Regexes.GPT2),
    QWEN2(Regexes.QWEN2),
    QWEN35(Regexes.QWEN35),
    PORO(" ?[^(\\s|.,!?…。，、।۔،)]+"),
    VIKING(
            " ?[^(\\s|.,!?…。，、।۔،)]+",
            "\\p{N}"),
    TEKKEN("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    CHAMELEON(
            "<sentinel:[0-9]+>",
            "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
            "([\\t\\n]|    |  )",
            "\\p{N}",
            "[\\p{P}!-/:-@\\[-`{-~]",
            Regexes.GPT2),
    GPT4O("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:" + Regexes.CONTRACTIONS + ")?"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:" + Regexes.CONTRACTIONS + ")?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    GRANITE_EMB_MULTI("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+(?:" + Regexes.CONTRACTIONS + ")?"
            + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*(?:" + Regexes.CONTRACTIONS + ")?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    TINY_AYA(
            Regexes.TINY_AYA_DIGITS,
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:" + Regexes.CONTRACTIONS + ")?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:" + Regexes.CONTRACTIONS + ")?"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    SUPERBPE(
            "\\p{N}+",
            "(?=(\\d{3})+(?!\\d))"),
    BAILINGMOE("'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
    SEED_CODER(Regexes.CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    UFAKZEKA("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    LAGUNA(
            Regexes.NEWLINE_RUNS,
            Regexes.QWEN2),
    EXAONE_MOE(Regexes.CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
    MINICPM5(
            "\\p{N}{1,3}",
            Regexes.CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    YOUTU(
            "[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:" + Regexes.CONTRACTIONS + ")?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:" + Regexes.CONTRACTIONS + ")?"
                    + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** A scanner of its own ({@link KimiK2WordSplit}); the regex only names it, as in llama.cpp. */
    KIMI_K2(Regexes.KIMI_K2),
    AFMOE(
            Regexes.AFMOE_DIGITS,
            // CJK, kana, half-width forms, Kangxi radicals, Thai, Lao, Khmer, Myanmar, Javanese, Hangul. The
            // third range starts at U+8C48 (not U+F900) in llama.cpp's source, so it does here too.
            "[\u4E00-\u9FFF\u3400-\u4DBF\u8C48-\uFAFF\u3040-\u309F\u30A0-\u30FF\uFF65-\uFF9F\u2F00-\u2FDF"
                    + "\u0E40-\u0E7F\u0E80-\u0EFF\u1780-\u17FF\u1000-\u109F\uAA60-\uAA7F\uA9E0-\uA9FF"
                    + "\uAC00-\uD7AF\u1100-\u11FF]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** SentencePiece-style BPE (spaces escaped as U+2581, raw UTF-8): only newline runs are cut out. */
    GEMMA4(Regexes.NEWLINE_RUNS),
    SARVAM_MOE(Regexes.NEWLINE_RUNS),
    WHITESPACE("\\S+");

    private final List<String> regexes;

    PreTokenizerType(String... regexes) {
        this.regexes = List.of(regexes);
    }

    List<String> regexes() {
        return regexes;
    }

    /** The split rules: llama.cpp's scanners for the regexes it has scanners for, the regex itself otherwise. */
    List<SplitRule> rules() {
        return regexes.stream().map(PreTokenizerType::rule).toList();
    }

    private static SplitRule rule(String regex) {
        return switch (regex) {
            case Regexes.GPT2 -> new Gpt2WordSplit();
            case Regexes.LLAMA3 -> Llama3WordSplit.llama3();
            case Regexes.QWEN2 -> Llama3WordSplit.qwen2();
            case Regexes.QWEN35 -> Llama3WordSplit.qwen35();
            case Regexes.NEWLINE_RUNS -> new NewlineSplit();
            case Regexes.KIMI_K2 -> new KimiK2WordSplit();
            case Regexes.AFMOE_DIGITS, Regexes.TINY_AYA_DIGITS -> new DigitGroupSplit();
            default -> RegexSplit.of(regex);
        };
    }

    /** Regexes several pre-tokenizers share; the scanner-backed ones are recognised by their exact text. */
    static final class Regexes {
        static final String NEWLINE_RUNS = "[^\\n]+|[\\n]+";
        static final String KIMI_K2 = "\\p{Han}+";
        static final String AFMOE_DIGITS = "\\p{AFMoE_digits}";
        /** llama.cpp runs its AFMoE digit scanner for this regex, not the regex itself. */
        static final String TINY_AYA_DIGITS = "\\d{1,3}(?=(?:\\d{3})*\\b)";
        static final String CONTRACTIONS = "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]";
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        static final String LLAMA3 = "(?:" + CONTRACTIONS + ")|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String QWEN2 = "(?:" + CONTRACTIONS + ")|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String QWEN35 = "(?:" + CONTRACTIONS + ")|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

        private Regexes() {}
    }
}
