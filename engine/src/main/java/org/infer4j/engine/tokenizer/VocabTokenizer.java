package org.infer4j.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What SentencePiece and BPE vocabularies share: cutting special-token texts out of the input
 * (llama.cpp's {@code tokenizer_st_partition}), rendering tokens to bytes and whole-sequence decoding.
 */
abstract sealed class VocabTokenizer implements Tokenizer permits SpmTokenizer, BpeTokenizer {
    private static final byte[] EMPTY = new byte[0];

    final Vocabulary vocab;
    final SpecialTokens specials;
    private final boolean addSpacePrefix;
    private final boolean cleanSpaces;
    /** Each token's bytes as rendered with special tokens shown. */
    private final byte[][] pieces;

    VocabTokenizer(Vocabulary vocab, SpecialTokens specials, boolean addSpacePrefix, boolean cleanSpaces) {
        this.vocab = vocab;
        this.specials = specials;
        this.addSpacePrefix = addSpacePrefix;
        this.cleanSpaces = cleanSpaces;
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            pieces[id] = renderPiece(id);
        }
    }

    /** The bytes of a normal or byte token (special kinds are handled by the caller). */
    abstract byte[] normalPiece(int id);

    /** Tokenizes the fragments (input text with special tokens already cut out) into {@code out}. */
    abstract void encodeFragments(List<Fragment> fragments, boolean addSpecial, IntList out);

    /** A piece of the input: plain text to tokenize, or an already recognised token. */
    sealed interface Fragment permits Text, Token {}

    record Text(String text) implements Fragment {}

    record Token(int id) implements Fragment {}

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        encodeFragments(partition(text, parseSpecial), addSpecial, out);
        return out.toArray();
    }

    /**
     * Cuts the texts of special tokens out of {@code text}, longest token first. Control and unknown
     * tokens only count with {@code parseSpecial}; user-defined tokens always do.
     */
    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Span> buffer = new ArrayList<>();
        if (!text.isEmpty()) {
            buffer.add(new Span(0, text.length(), -1));
        }
        for (int special : specials.partitionOrder()) {
            if (!parseSpecial && vocab.has(special, TokenAttr.CONTROL | TokenAttr.UNKNOWN)) {
                continue;
            }
            String needle = vocab.text(special);
            boolean lstrip = vocab.has(special, TokenAttr.LSTRIP);
            boolean rstrip = vocab.has(special, TokenAttr.RSTRIP);
            List<Span> next = new ArrayList<>(buffer.size() + 4);
            for (Span span : buffer) {
                if (span.token >= 0) {
                    next.add(span);
                    continue;
                }
                int start = span.start;
                int end = span.end;
                while (true) {
                    int match = end - start >= needle.length() ? text.indexOf(needle, start, end) : -1;
                    if (match < 0) {
                        next.add(new Span(start, end, -1));
                        break;
                    }
                    int leftEnd = match;
                    if (lstrip) {
                        while (leftEnd > start && isAsciiSpace(text.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > start) {
                        next.add(new Span(start, leftEnd, -1));
                    }
                    next.add(new Span(match, match + needle.length(), special));
                    start = match + needle.length();
                    if (start >= end) {
                        break;
                    }
                    if (rstrip) {
                        while (start < end && isAsciiSpace(text.charAt(start))) {
                            start++;
                        }
                    }
                    if (start >= end) {
                        break;
                    }
                }
            }
            buffer = next;
        }
        List<Fragment> fragments = new ArrayList<>(buffer.size());
        for (Span span : buffer) {
            fragments.add(span.token >= 0 ? new Token(span.token) : new Text(text.substring(span.start, span.end)));
        }
        return fragments;
    }

    private record Span(int start, int end, int token) {}

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private byte[] renderPiece(int id) {
        if (vocab.has(id, TokenAttr.UNKNOWN | TokenAttr.CONTROL | TokenAttr.USER_DEFINED)) {
            return vocab.text(id).getBytes(StandardCharsets.UTF_8);
        }
        if (vocab.has(id, TokenAttr.NORMAL | TokenAttr.BYTE)) {
            return normalPiece(id);
        }
        return EMPTY; // unused and undefined tokens render as nothing
    }

    /** The byte a {@code <0xXX>} token stands for. */
    static byte byteTokenValue(String text) {
        return (byte) Integer.parseInt(text.substring(3, 5), 16);
    }

    @Override
    public byte[] pieceBytes(int token, boolean renderSpecial) {
        if (!renderSpecial && vocab.has(token, TokenAttr.UNKNOWN | TokenAttr.CONTROL)) {
            return EMPTY;
        }
        return pieces[token].clone();
    }

    /**
     * llama.cpp's detokenize without removing specials: a vocabulary that adds a space prefix loses one
     * leading space on the first token (a leading BOS absorbs that, so text after BOS keeps its space),
     * and byte-level vocabularies that ask for it get tokenization spaces cleaned up.
     */
    @Override
    public String decode(int[] tokens, boolean renderSpecial) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        boolean removeSpace = addSpacePrefix;
        for (int token : tokens) {
            if (!renderSpecial && vocab.has(token, TokenAttr.UNKNOWN | TokenAttr.CONTROL)) {
                removeSpace = false;
                continue;
            }
            byte[] piece = pieces[token];
            int skip = removeSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            out.write(piece, skip, piece.length - skip);
            removeSpace = false;
        }
        byte[] bytes = out.toByteArray();
        if (cleanSpaces) {
            bytes = SpaceCleaner.clean(bytes);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String tokenText(int token) {
        return vocab.text(token);
    }

    @Override
    public int bosToken() {
        return specials.bos();
    }

    @Override
    public int eosToken() {
        return specials.eos();
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return specials.isEndOfGeneration(token);
    }

    /** Whether {@code token} is a control token (rendered only on request). */
    public boolean isControl(int token) {
        return vocab.has(token, TokenAttr.CONTROL);
    }
}
