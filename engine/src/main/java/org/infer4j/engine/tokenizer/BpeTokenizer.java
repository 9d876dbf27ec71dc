package org.infer4j.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model} "gpt2") as llama.cpp runs it: the pre-tokenizer cuts the
 * text into words, each word is mapped to GPT-2's byte characters, and inside a word the adjacent pair
 * with the lowest merge rank is merged until no ranked pair is left. Symbols that are not tokens fall
 * back to their single-character tokens.
 */
final class BpeTokenizer extends VocabTokenizer {
    private final PreTokenizer preTokenizer;
    private final MergeRanks merges;
    private final boolean ignoreMerges;

    BpeTokenizer(Vocabulary vocab, SpecialTokens specials, PreTokenizer preTokenizer, MergeRanks merges,
                 boolean ignoreMerges, boolean addSpacePrefix, boolean cleanSpaces) {
        super(vocab, specials, addSpacePrefix, cleanSpaces);
        this.preTokenizer = preTokenizer;
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
    }

    /** Normal tokens are byte characters mapped back to bytes; a character outside the map is spelled out as llama.cpp does. */
    @Override
    byte[] normalPiece(int id) {
        String text = vocab.text(id);
        if (vocab.has(id, TokenAttr.BYTE)) {
            return new byte[] {byteTokenValue(text)};
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
                    for (String word : preTokenizer.split(text)) {
                        encodeWord(ByteLevel.encode(word), out);
                    }
                }
                case Token(int id) -> out.add(id);
            }
        }
        if (addSpecial && specials.addEos() && specials.eos() >= 0) {
            out.add(specials.eos());
        }
    }

    private record Bigram(int left, int right, int rank, int size) {}

    private void encodeWord(String word, IntList out) {
        if (ignoreMerges) {
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

    /** A finished symbol: its token, or else the tokens of its single ASCII characters (llama.cpp's byte fallback). */
    private void emitSymbol(String symbol, IntList out) {
        int id = vocab.id(symbol);
        if (id >= 0) {
            out.add(id);
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
