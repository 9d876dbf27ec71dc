package org.infer4j.server.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.engine.tokenizer.Tokenizer;

/**
 * Test double: one token per UTF-8 byte (id = byte + 3), BOS 1, EOS 2, and the special text
 * {@code <s>} parsed as BOS when asked to. Enough to test the HTTP layer's own logic exactly.
 */
final class ByteTokenizer implements Tokenizer {
    static final int BOS = 1;
    static final int EOS = 2;

    @Override
    public int vocabSize() {
        return 259;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Integer> ids = new ArrayList<>();
        if (addSpecial) {
            ids.add(BOS);
        }
        String rest = text;
        while (!rest.isEmpty()) {
            if (parseSpecial && rest.startsWith("<s>")) {
                ids.add(BOS);
                rest = rest.substring(3);
                continue;
            }
            int end = rest.offsetByCodePoints(0, 1);
            for (byte b : rest.substring(0, end).getBytes(StandardCharsets.UTF_8)) {
                ids.add((b & 0xFF) + 3);
            }
            rest = rest.substring(end);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public byte[] pieceBytes(int token, boolean renderSpecial) {
        if (token == BOS) {
            return renderSpecial ? "<s>".getBytes(StandardCharsets.UTF_8) : new byte[0];
        }
        if (token == EOS) {
            return renderSpecial ? "</s>".getBytes(StandardCharsets.UTF_8) : new byte[0];
        }
        return token >= 3 ? new byte[] {(byte) (token - 3)} : new byte[0];
    }

    @Override
    public String decode(int[] tokens, boolean renderSpecial) {
        var out = new java.io.ByteArrayOutputStream();
        for (int t : tokens) {
            out.writeBytes(pieceBytes(t, renderSpecial));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String tokenText(int token) {
        return new String(pieceBytes(token, true), StandardCharsets.ISO_8859_1);
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
        return token == EOS;
    }
}
