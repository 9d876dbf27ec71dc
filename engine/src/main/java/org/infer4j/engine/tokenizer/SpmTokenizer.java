package org.infer4j.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-style tokenizer ({@code tokenizer.ggml.model} "llama") as llama.cpp runs it: spaces
 * become {@code ▁}, the text starts as one symbol per character, and the adjacent pair whose
 * concatenation is the highest-scoring vocabulary entry is merged until no pair is in the vocabulary.
 * A symbol that is not a token is re-split along the merges that built it, and whatever still is not a
 * token falls back to {@code <0xXX>} byte tokens. A character whose bytes have no such tokens becomes one
 * {@code <unk>}, and a run of those characters a single one, as Hugging Face's tokenizers do for
 * SentencePiece vocabularies ({@code fuse_unk}); llama.cpp has no answer there (it aborts on the missing
 * byte token).
 */
final class SpmTokenizer extends VocabTokenizer {
    static final char SPACE_ESCAPE = '\u2581';

    private final boolean addSpacePrefix;
    private final int[] byteTokens;

    SpmTokenizer(Vocabulary vocab, SpecialTokens specials, boolean addSpacePrefix) {
        super(vocab, specials, addSpacePrefix, false);
        this.addSpacePrefix = addSpacePrefix;
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) {
                id = vocab.id(String.valueOf((char) b));
            }
            byteTokens[b] = id;
        }
    }

    @Override
    byte[] normalPiece(int id) {
        if (vocab.has(id, TokenAttr.NORMAL)) {
            return vocab.text(id).replace(SPACE_ESCAPE, ' ').getBytes(StandardCharsets.UTF_8);
        }
        return new byte[] {byteTokenValue(vocab.text(id))};
    }

    @Override
    void encodeFragments(List<Fragment> fragments, boolean addSpecial, IntList out) {
        boolean previousSpecial = true; // the first text gets the space prefix
        if (addSpecial && specials.addBos() && specials.bos() >= 0) {
            out.add(specials.bos());
        }
        for (Fragment fragment : fragments) {
            switch (fragment) {
                case Text(String text) -> {
                    String prefixed = addSpacePrefix && previousSpecial ? " " + text : text;
                    new Session(prefixed.replace(' ', SPACE_ESCAPE)).tokenize(out);
                    previousSpecial = false;
                }
                case Token(int id) -> {
                    out.add(id);
                    previousSpecial = true;
                }
            }
        }
        if (addSpecial && specials.addEos() && specials.eos() >= 0) {
            out.add(specials.eos());
        }
    }

    private record Bigram(int left, int right, float score, int size) {}

    /** One text's merge state: a linked list of symbols over the text and the queue of candidate pairs. */
    private final class Session {
        private final String text;
        private final int[] start;
        private final int[] length;
        private final int[] prev;
        private final int[] next;
        private final PriorityQueue<Bigram> queue = new PriorityQueue<>(
                (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        /** Last pair of symbols seen forming each text, for re-splitting symbols that are not tokens. */
        private final Map<String, long[]> reverseMerges = new HashMap<>();
        /** Whether the last token emitted stands for characters without a token, so the next such joins it. */
        private boolean afterUnknown;

        Session(String text) {
            this.text = text;
            int n = text.codePointCount(0, text.length());
            start = new int[n];
            length = new int[n];
            prev = new int[n];
            next = new int[n];
            int at = 0;
            for (int i = 0; i < n; i++) {
                start[i] = at;
                length[i] = Character.charCount(text.codePointAt(at));
                at += length[i];
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
        }

        void tokenize(IntList out) {
            if (start.length == 0) {
                return;
            }
            for (int i = 1; i < start.length; i++) {
                tryAddBigram(i - 1, i);
            }
            while (!queue.isEmpty()) {
                Bigram bigram = queue.poll();
                int left = bigram.left;
                int right = bigram.right;
                if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.size) {
                    continue; // one side was merged since
                }
                length[left] += length[right];
                length[right] = 0;
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                tryAddBigram(prev[left], left);
                tryAddBigram(left, next[left]);
            }
            for (int i = 0; i != -1; i = next[i]) {
                resegment(i, out);
            }
        }

        private void tryAddBigram(int left, int right) {
            if (left == -1 || right == -1) {
                return;
            }
            String merged = text.substring(start[left], start[left] + length[left] + length[right]);
            int id = vocab.id(merged);
            if (id < 0) {
                return;
            }
            queue.add(new Bigram(left, right, vocab.score(id), merged.length()));
            reverseMerges.put(merged, new long[] {left, right});
        }

        private void resegment(int symbol, IntList out) {
            String piece = text.substring(start[symbol], start[symbol] + length[symbol]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
                afterUnknown = false;
                return;
            }
            long[] parts = reverseMerges.get(piece);
            if (parts == null) { // one character that no merge built
                byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
                boolean allBytes = true;
                for (byte b : bytes) {
                    allBytes &= byteTokens[b & 0xFF] >= 0;
                }
                if (allBytes) {
                    for (byte b : bytes) {
                        out.add(byteTokens[b & 0xFF]);
                    }
                    afterUnknown = false;
                } else if (!afterUnknown && specials.unk() >= 0) {
                    out.add(specials.unk());
                    afterUnknown = true;
                }
                return;
            }
            resegment((int) parts[0], out);
            resegment((int) parts[1], out);
        }
    }
}
