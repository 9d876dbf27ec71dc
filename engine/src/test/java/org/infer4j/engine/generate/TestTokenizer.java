package org.infer4j.engine.generate;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.infer4j.engine.tokenizer.Tokenizer;

/**
 * A tiny real tokenizer for scheduler tests: control tokens, words, and single-byte tokens that split "é" and "😀"
 * the way byte-fallback vocabularies do. Encoding is greedy longest match over UTF-8 bytes.
 */
final class TestTokenizer implements Tokenizer {
    static final int BOS = 0, EOS = 1, EOT = 2, SPACE = 3, A = 4, B = 5, HELLO = 6, WORLD = 7, BANG = 8, NEWLINE = 9;
    static final int E_ACUTE_1 = 10, E_ACUTE_2 = 11, SMILE_1 = 12, SMILE_2 = 13, SMILE_3 = 14, SMILE_4 = 15;
    static final int X = 16, Y = 17, Z = 18, DOT = 19, E_ACUTE = 20;
    static final int VOCAB = 21;

    private static final byte[][] PIECES = new byte[VOCAB][];
    private static final boolean[] CONTROL = new boolean[VOCAB];

    static {
        text(BOS, "<s>");
        text(EOS, "</s>");
        text(EOT, "<|eot|>");
        CONTROL[BOS] = CONTROL[EOS] = CONTROL[EOT] = true;
        text(SPACE, " ");
        text(A, "a");
        text(B, "b");
        text(HELLO, "Hello");
        text(WORLD, " world");
        text(BANG, "!");
        text(NEWLINE, "\n");
        bytes(E_ACUTE_1, 0xC3);
        bytes(E_ACUTE_2, 0xA9);
        bytes(SMILE_1, 0xF0);
        bytes(SMILE_2, 0x9F);
        bytes(SMILE_3, 0x98);
        bytes(SMILE_4, 0x80);
        text(X, "x");
        text(Y, "y");
        text(Z, "z");
        text(DOT, ".");
        text(E_ACUTE, "é");
    }

    private static void text(int id, String s) {
        PIECES[id] = s.getBytes(StandardCharsets.UTF_8);
    }

    private static void bytes(int id, int b) {
        PIECES[id] = new byte[] {(byte) b};
    }

    @Override
    public int vocabSize() {
        return VOCAB;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (addSpecial) {
            out.add(BOS);
        }
        int at = 0;
        while (at < bytes.length) {
            int best = -1;
            for (int id = 0; id < VOCAB; id++) {
                if (CONTROL[id]) {
                    continue;
                }
                byte[] piece = PIECES[id];
                if (at + piece.length <= bytes.length
                        && java.util.Arrays.equals(bytes, at, at + piece.length, piece, 0, piece.length)
                        && (best < 0 || piece.length > PIECES[best].length)) {
                    best = id;
                }
            }
            if (best < 0) {
                throw new IllegalArgumentException("no token for byte " + bytes[at] + " of " + text);
            }
            out.add(best);
            at += PIECES[best].length;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public byte[] pieceBytes(int token, boolean renderSpecial) {
        return CONTROL[token] && !renderSpecial ? new byte[0] : PIECES[token].clone();
    }

    @Override
    public String decode(int[] tokens, boolean renderSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int token : tokens) {
            out.writeBytes(pieceBytes(token, renderSpecial));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String tokenText(int token) {
        return new String(PIECES[token], StandardCharsets.UTF_8);
    }

    @Override
    public int bosToken() {
        return BOS;
    }

    @Override
    public int eosToken() {
        return EOS;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == EOS || token == EOT;
    }
}
