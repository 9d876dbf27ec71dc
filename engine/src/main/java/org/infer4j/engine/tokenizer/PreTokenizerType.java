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
            "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF\uD83A\uDD00-\uD83A\uDD43]+",
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
