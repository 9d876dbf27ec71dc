package org.infer4j.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.infer4j.gguf.GgufArray;
import org.infer4j.gguf.GgufFile;

/**
 * Builds the tokenizer a GGUF file describes ({@code tokenizer.ggml.*}), deciding special tokens,
 * token attributes and defaults the way llama.cpp's vocabulary loader does. Works on vocabulary-only
 * files (no tensors).
 */
public final class Tokenizers {
    private static final System.Logger LOG = System.getLogger(Tokenizers.class.getName());

    private static final String PREFIX = "tokenizer.ggml.";

    // Texts llama.cpp recognises end-of-turn, end-of-message and fill-in-the-middle tokens by.
    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final List<String> EOM_TEXTS = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
            "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    private static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>",
            "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>",
            "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
            "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[");
    private static final List<String> ALWAYS_RENDERED = List.of("<|channel|>", "<|message|>", "<|start|>",
            "<|constrain|>");

    private Tokenizers() {}

    /** The tokenizer of {@code gguf}; throws {@link UnsupportedTokenizerException} for kinds other than SPM and BPE. */
    public static Tokenizer fromGguf(GgufFile gguf) {
        String file = gguf.path().toString();
        String model = gguf.getString(PREFIX + "model");
        boolean spm = model.equals("llama");
        BpeModel bpeModel = BpeModel.named(model);
        if (!spm && bpeModel == null) {
            throw new UnsupportedTokenizerException(file, model);
        }
        // the "gemma4" model always uses the Gemma 4 pre-tokenizer, whatever the file says
        String pre = bpeModel == BpeModel.GEMMA4 ? "gemma4" : gguf.findString(PREFIX + "pre").orElse("");

        String[] texts = gguf.getArray(PREFIX + "tokens").strings().clone();
        int n = texts.length;
        float[] scores = gguf.findArray(PREFIX + "scores").map(GgufArray::floats).orElse(new float[n]);
        int[] attrs = new int[n];
        int[] types = gguf.findArray(PREFIX + "token_type").map(GgufArray::ints).orElse(null);
        for (int i = 0; i < n; i++) {
            attrs[i] = types == null ? TokenAttr.NORMAL : TokenAttr.ofTokenType(types[i]);
        }
        if (scores.length < n || (types != null && types.length < n)) {
            throw new org.infer4j.gguf.GgufFormatException(file + ": fewer scores or token types than tokens");
        }
        Vocabulary vocab = new Vocabulary(texts, scores, attrs);
        if (bpeModel == BpeModel.HYBRID_DNA) {
            unmarkDnaKmers(vocab);
        }

        BpeSettings bpe = null;
        if (!spm) {
            bpe = BpeSettings.forPre(pre);
            if (!bpe.known()) {
                LOG.log(System.Logger.Level.WARNING, "{0}: unknown pre-tokenizer ''{1}'', using the default one; "
                        + "tokenization may differ from the model''s", file, pre);
            }
        }

        // Defaults first (SPM: 1, 2, unk 0; BPE: 11, 11, no unk; Gemma 4: none), then whatever the file says.
        boolean noDefaults = bpeModel == BpeModel.GEMMA4;
        int bos = spm ? 1 : (bpe.noBos() || noDefaults ? -1 : 11);
        int eos = spm ? 2 : (noDefaults ? -1 : 11);
        int unk = spm ? 0 : -1;
        bos = specialId(gguf, "bos_token_id", bos, n);
        eos = specialId(gguf, "eos_token_id", eos, n);
        unk = specialId(gguf, "unknown_token_id", unk, n);
        int eot = specialId(gguf, "eot_token_id", -1, n);
        int eom = specialId(gguf, "eom_token_id", -1, n);
        int fimPre = specialId(gguf, "fim_pre_token_id", specialId(gguf, "prefix_token_id", -1, n), n);
        int fimSuf = specialId(gguf, "fim_suf_token_id", specialId(gguf, "suffix_token_id", -1, n), n);
        int fimMid = specialId(gguf, "fim_mid_token_id", specialId(gguf, "middle_token_id", -1, n), n);
        int fimPad = specialId(gguf, "fim_pad_token_id", -1, n);
        int fimRep = specialId(gguf, "fim_rep_token_id", -1, n);
        int fimSep = specialId(gguf, "fim_sep_token_id", -1, n);

        boolean addBos = gguf.getBoolean(PREFIX + "add_bos_token", spm || bpe.addBos()) || (!spm && bpe.alwaysBos());
        boolean addEos = gguf.getBoolean(PREFIX + "add_eos_token", false);
        boolean addSpacePrefix = gguf.getBoolean(PREFIX + "add_space_prefix", spm);

        // Tokens recognised by their text become control tokens.
        eot = eot >= 0 ? eot : findByText(vocab, EOT_TEXTS, true);
        eom = eom >= 0 ? eom : findByText(vocab, EOM_TEXTS, true);
        fimPre = fimPre >= 0 ? fimPre : findByText(vocab, FIM_PRE_TEXTS, true);
        fimSuf = fimSuf >= 0 ? fimSuf : findByText(vocab, FIM_SUF_TEXTS, true);
        fimMid = fimMid >= 0 ? fimMid : findByText(vocab, FIM_MID_TEXTS, true);
        fimPad = fimPad >= 0 ? fimPad : findByText(vocab, FIM_PAD_TEXTS, true);
        fimRep = fimRep >= 0 ? fimRep : findByText(vocab, FIM_REP_TEXTS, true);
        fimSep = fimSep >= 0 ? fimSep : findByText(vocab, FIM_SEP_TEXTS, true);

        for (int id = 0; id < n; id++) { // control tokens named "unused" are unused
            if (vocab.isIndexed(id) && vocab.has(id, TokenAttr.CONTROL) && vocab.text(id).contains("unused")) {
                vocab.addAttr(id, TokenAttr.UNUSED);
            }
        }

        TreeSet<Integer> eog = new TreeSet<>();
        for (int id : new int[] {fimPad, fimRep, fimSep}) {
            if (id >= 0) {
                eog.add(id);
            }
        }
        for (int id = 0; id < n; id++) {
            if (vocab.isIndexed(id) && EOG_TEXTS.contains(vocab.text(id))) {
                eog.add(id);
                vocab.addAttr(id, TokenAttr.CONTROL);
            }
        }
        for (int id = 0; id < n; id++) {
            if (vocab.isIndexed(id) && ALWAYS_RENDERED.contains(vocab.text(id))) {
                vocab.setAttrs(id, TokenAttr.USER_DEFINED);
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id >= 0) {
                eog.add(id);
            }
        }
        dropAmbiguousEndTokens(vocab, eog);

        int[] partitionOrder = partitionOrder(vocab);
        applyModelAttributes(gguf, vocab, partitionOrder);

        SpecialTokens specials = new SpecialTokens(bos, eos, eot, eom, unk, addBos, addEos,
                eog.stream().mapToInt(Integer::intValue).toArray(), partitionOrder);
        if (spm) {
            return new SpmTokenizer(vocab, specials, addSpacePrefix);
        }
        // Kimi K2 files may come without merges: its tokens are then whole words or bytes
        String[] merges = pre.equals("kimi-k2") && !gguf.has(PREFIX + "merges") ? new String[0]
                : gguf.getArray(PREFIX + "merges").strings();
        boolean lowercase = gguf.getBoolean(PREFIX + "normalizer.lowercase", !bpe.keepCase());
        return new BpeTokenizer(vocab, specials, bpeModel, bpe, new MergeRanks(merges), addSpacePrefix, lowercase);
    }

    /** "hybriddna" k-mer tokens (after {@code <oov>}) are looked up with their marker but shown without it. */
    private static void unmarkDnaKmers(Vocabulary vocab) {
        int oov = vocab.id("<oov>");
        if (oov < 0) {
            return;
        }
        String marker = BpeTokenizer.DNA_KMER_MARKER;
        for (int id = oov + 1; id < vocab.size(); id++) {
            String text = vocab.text(id);
            if (text.length() > marker.length() && text.endsWith(marker)) {
                vocab.relabel(id, text.substring(0, text.length() - marker.length()));
            }
        }
    }

    /** The id under {@code key} when present and in range, else {@code fallback} (itself dropped when out of range). */
    private static int specialId(GgufFile gguf, String key, int fallback, int n) {
        int id = fallback >= n ? -1 : fallback;
        if (gguf.has(PREFIX + key)) {
            long value = gguf.getLong(PREFIX + key);
            if (value >= 0 && value < n) {
                id = (int) value;
            } else {
                LOG.log(System.Logger.Level.WARNING, "{0}: bad special token {1} = {2}, using {3}",
                        gguf.path(), key, value, id);
            }
        }
        return id;
    }

    private static int findByText(Vocabulary vocab, List<String> texts, boolean makeControl) {
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.isIndexed(id) && texts.contains(vocab.text(id))) {
                if (makeControl) {
                    vocab.addAttr(id, TokenAttr.CONTROL);
                }
                return id;
            }
        }
        return -1;
    }

    /**
     * Harmony-style vocabularies end a message with {@code <|end|>} but a turn with {@code <|return|>} or
     * {@code <|call|>}: there {@code <|end|>} is not an end of generation. Likewise {@code </s>} next to
     * {@code <|tool_response>}.
     */
    private static void dropAmbiguousEndTokens(Vocabulary vocab, TreeSet<Integer> eog) {
        boolean hasReturn = false;
        boolean hasCall = false;
        boolean hasFlush = false;
        boolean hasToolResponse = false;
        int end = -1;
        int closingS = -1;
        for (int id : eog) {
            switch (vocab.text(id)) {
                case "<|return|>" -> hasReturn = true;
                case "<|call|>", "<|calls|>" -> hasCall = true;
                case "<|flush|>" -> hasFlush = true;
                case "<|end|>" -> end = id;
                case "<|tool_response>" -> hasToolResponse = true;
                case "</s>" -> closingS = id;
                default -> { }
            }
        }
        if (end >= 0 && ((hasReturn && hasCall) || (hasCall && hasFlush))) {
            eog.remove(end);
            vocab.setAttrs(end, TokenAttr.USER_DEFINED);
        }
        if (hasToolResponse && closingS >= 0) {
            eog.remove(closingS);
            vocab.setAttrs(closingS, TokenAttr.NORMAL);
        }
    }

    /** Control, user-defined and unknown tokens, longest text first (ties by id). */
    private static int[] partitionOrder(Vocabulary vocab) {
        List<Integer> special = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.has(id, TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) {
                special.add(id);
            }
        }
        special.sort((a, b) -> Integer.compare(vocab.text(b).length(), vocab.text(a).length()));
        return special.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Per-model strip attributes llama.cpp sets by model name (Phi-3 specials swallow following whitespace). */
    private static void applyModelAttributes(GgufFile gguf, Vocabulary vocab, int[] partitionOrder) {
        String name = gguf.findString("general.name").orElse("").toLowerCase(Locale.ROOT);
        String pre = gguf.findString(PREFIX + "pre").orElse("");
        String arch = gguf.findString("general.architecture").orElse("");
        if (Arrays.asList("jina-v2-de", "jina-v2-es", "jina-v2-code").stream().anyMatch(pre::contains)
                || arch.contains("nomic-bert-moe") || arch.contains("jina-bert-v3")) {
            int mask = vocab.id("<mask>");
            if (mask >= 0) {
                vocab.addAttr(mask, TokenAttr.LSTRIP);
            }
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : partitionOrder) {
                vocab.addAttr(id, TokenAttr.RSTRIP);
            }
            setStrip(vocab, "</s>", true);
            for (String text : List.of("<unk>", "<s>", "<|endoftext|>")) {
                setStrip(vocab, text, false);
            }
        } else if (name.contains("modern-bert")) {
            int mask = vocab.id("[MASK]");
            if (mask >= 0) {
                vocab.addAttr(mask, TokenAttr.LSTRIP);
            }
        }
    }

    private static void setStrip(Vocabulary vocab, String text, boolean on) {
        int id = vocab.id(text);
        if (id >= 0) {
            vocab.setAttrs(id, on ? vocab.attrs(id) | TokenAttr.RSTRIP : vocab.attrs(id) & ~TokenAttr.RSTRIP);
        }
    }
}
