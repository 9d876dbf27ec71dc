package org.infer4j.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model} "gpt2") as llama.cpp runs it: the pre-tokenizer cuts the
 * text into words, each word is mapped to GPT-2's byte characters, and inside a word the adjacent pair
 * with the lowest merge rank is merged until no ranked pair is left. Symbols that are not tokens fall
 * back to their single-character tokens. SentencePiece-style BPE vocabularies (Gemma 4) skip the byte
 * mapping, see spaces as U+2581 and fall back to {@code <0xXX>} byte tokens instead.
 */
final class BpeTokenizer extends VocabTokenizer {
    /** Appended to DNA k-mer token texts in "hybriddna" vocabularies, keeping them apart from equal BPE tokens. */
    static final String DNA_KMER_MARKER = "\uE000";
    private static final int DNA_KMER = 6;

    private final BpeModel model;
    private final PreTokenizer preTokenizer;
    private final MergeRanks merges;
    private final BpeSettings settings;
    private final boolean lowercase;

    BpeTokenizer(Vocabulary vocab, SpecialTokens specials, BpeModel model, BpeSettings settings, MergeRanks merges,
                 boolean addSpacePrefix, boolean lowercase) {
        // set before super(...) renders the pieces, which reads the settings (a flexible constructor body)
        this.model = model;
        this.preTokenizer = PreTokenizer.of(settings.type());
        this.merges = merges;
        this.settings = settings;
        this.lowercase = lowercase;
        super(vocab, specials, addSpacePrefix, settings.cleanSpaces());
    }

    /** Normal tokens are byte characters mapped back to bytes; a character outside the map is spelled out as llama.cpp does. */
    @Override
    byte[] normalPiece(int id) {
        String text = vocab.text(id);
        if (vocab.has(id, TokenAttr.BYTE)) {
            return new byte[] {byteTokenValue(text)};
        }
        if (settings.escapeSpaces()) {
            return text.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = ByteLevel.byteOf(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder unknown = new StringBuilder("[UNK_BYTE_0x");
                for (byte u : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    unknown.append(String.format("%02x", u & 0xFF));
                }
                unknown.append(text).append(']');
                out.writeBytes(unknown.toString().getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }

    @Override
    void encodeFragments(List<Fragment> fragments, boolean addSpecial, IntList out) {
        if (addSpecial && specials.addBos() && specials.bos() >= 0) {
            out.add(specials.bos());
        }
        for (Fragment fragment : fragments) {
            switch (fragment) {
                case Text(String text) -> {
                    String escaped = settings.escapeSpaces() ? text.replace(' ', '\u2581') : text;
                    switch (model) {
                        case GPT2, GEMMA4 -> encodeText(escaped, out);
                        case WHITESPACE -> encodeWhitespaceSeparated(escaped, out);
                        case HYBRID_DNA -> encodeWithDna(escaped, out);
                    }
                }
                case Token(int id) -> out.add(id);
            }
        }
        if (addSpecial && specials.addEos() && specials.eos() >= 0) {
            out.add(specials.eos());
        }
    }

    private void encodeText(String text, IntList out) {
        for (String word : preTokenizer.split(text)) {
            encodeWord(settings.rawUtf8() ? word : ByteLevel.encode(word), out);
        }
    }

    /** The "whitespace" model: BPE on each run of non-whitespace, lowercased unless the vocabulary keeps case. */
    private void encodeWhitespaceSeparated(String text, IntList out) {
        StringBuilder segment = new StringBuilder();
        text.codePoints().forEach(cp -> {
            if (CodepointClass.isWhitespace(cp)) {
                flush(segment, out);
            } else {
                segment.appendCodePoint(lowercase ? Character.toLowerCase(cp) : cp);
            }
        });
        flush(segment, out);
    }

    private void flush(StringBuilder segment, IntList out) {
        if (!segment.isEmpty()) {
            encodeText(segment.toString(), out);
            segment.setLength(0);
        }
    }

    /**
     * The "hybriddna" model: text between {@code <dna>} and {@code </dna>} (or the end) becomes k-mers of
     * six upper-cased bases (the last one padded with A), unknown k-mers {@code <oov>}; the rest is plain
     * BPE. Without those three tokens it is plain BPE throughout.
     */
    private void encodeWithDna(String text, IntList out) {
        int open = vocab.id("<dna>");
        int close = vocab.id("</dna>");
        int oov = vocab.id("<oov>");
        if (open < 0 || close < 0 || oov < 0) {
            encodeText(text, out);
            return;
        }
        int pos = 0;
        while (pos < text.length()) {
            int start = text.indexOf("<dna>", pos);
            if (start < 0) {
                encodeText(text.substring(pos), out);
                return;
            }
            if (start > pos) {
                encodeText(text.substring(pos, start), out);
            }
            out.add(open);
            int contentStart = start + "<dna>".length();
            int end = text.indexOf("</dna>", contentStart);
            emitKmers(text.substring(contentStart, end < 0 ? text.length() : end), oov, out);
            if (end < 0) {
                return;
            }
            out.add(close);
            pos = end + "</dna>".length();
        }
    }

    private void emitKmers(String bases, int oov, IntList out) {
        // llama.cpp upper-cases ASCII only and counts bytes: non-ASCII text simply makes unknown k-mers
        byte[] seq = bases.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < seq.length; i++) {
            if (seq[i] >= 'a' && seq[i] <= 'z') {
                seq[i] -= 32;
            }
        }
        for (int i = 0; i < seq.length; i += DNA_KMER) {
            byte[] kmer = java.util.Arrays.copyOfRange(seq, i, i + DNA_KMER); // zero-padded past the end
            for (int j = Math.max(0, seq.length - i); j < DNA_KMER; j++) {
                kmer[j] = 'A';
            }
            int id = vocab.id(new String(kmer, StandardCharsets.UTF_8) + DNA_KMER_MARKER);
            out.add(id >= 0 ? id : oov);
        }
    }

    private record Bigram(int left, int right, int rank, int size) {}

    private void encodeWord(String word, IntList out) {
        boolean wholeWord = settings.ignoreMerges()
                // Gemma 4 takes a run of newlines whole when it is a token
                || (settings.type() == PreTokenizerType.GEMMA4 && word.chars().allMatch(ch -> ch == '\n'));
        if (wholeWord) {
            int whole = vocab.id(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        int n = word.codePointCount(0, word.length());
        int[] start = new int[n];
        int[] length = new int[n];
        int[] piece = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            start[i] = at;
            length[i] = Character.charCount(word.codePointAt(at));
            piece[i] = merges.piece(word.substring(at, at + length[i]));
            at += length[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(
                (a, b) -> a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) {
            addBigram(queue, i - 1, i, piece, length);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left;
            int right = bigram.right;
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.size
                    || next[left] != right) {
                continue; // outdated: one side has been merged since
            }
            length[left] += length[right];
            length[right] = 0;
            piece[left] = merges.piece(word.substring(start[left], start[left] + length[left]));
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            addBigram(queue, prev[left], left, piece, length);
            addBigram(queue, left, next[left], piece, length);
        }
        for (int i = 0; i < n; i = next[i]) {
            emitSymbol(word.substring(start[i], start[i] + length[i]), out);
            if (next[i] < 0) {
                break;
            }
        }
    }

    private void addBigram(PriorityQueue<Bigram> queue, int left, int right, int[] piece, int[] length) {
        if (left < 0 || right < 0) {
            return;
        }
        int rank = merges.rank(piece[left], piece[right]);
        if (rank >= 0) {
            queue.add(new Bigram(left, right, rank, length[left] + length[right]));
        }
    }

    /**
     * A finished symbol: its token, or else llama.cpp's byte fallback: the tokens of its single ASCII
     * characters, or for raw UTF-8 vocabularies the {@code <0xXX>} token of each byte.
     */
    private void emitSymbol(String symbol, IntList out) {
        int id = vocab.id(symbol);
        if (id >= 0) {
            out.add(id);
            return;
        }
        if (settings.rawUtf8()) {
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int byteToken = vocab.id(String.format("<0x%02X>", b & 0xFF));
                if (byteToken >= 0) {
                    out.add(byteToken);
                }
            }
            return;
        }
        for (int i = 0; i < symbol.length(); i++) {
            char c = symbol.charAt(i);
            if (c < 0x80) {
                int single = vocab.id(String.valueOf(c));
                if (single >= 0) {
                    out.add(single);
                }
            }
        }
    }
}
