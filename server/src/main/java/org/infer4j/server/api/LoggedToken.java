package org.infer4j.server.api;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.infer4j.engine.sampling.TokenLogprob;
import org.infer4j.engine.sampling.TopLogprobs;
import org.infer4j.engine.tokenizer.Tokenizer;

/**
 * One generated token's log-probabilities with the tokens turned into their pieces, for either response shape.
 *
 * @param chosen     the sampled token
 * @param top        the most likely tokens, best first
 * @param textOffset where the token's text begins, in code points (of the completion, or of prompt plus completion
 *                   for the legacy API's {@code text_offset})
 */
record LoggedToken(Scored chosen, List<Scored> top, int textOffset) {

    /** A token's piece (control tokens by their text) and natural-log probability. */
    record Scored(byte[] bytes, double logprob) {
        /**
         * The piece as text: UTF-8 decoded, each byte that is not part of a whole character written as
         * {@code \xNN} (as OpenAI shows a token that holds part of a character; {@link #bytes} has the truth).
         */
        String text() {
            return decodeEscapingBrokenBytes(bytes);
        }

        /** True when the piece is valid UTF-8 on its own (no byte needed escaping). */
        boolean isWholeText() {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
                return true;
            } catch (CharacterCodingException e) {
                return false;
            }
        }

        /** The piece as the bytes field of OpenAI's chat log-probabilities: unsigned byte values. */
        int[] byteValues() {
            int[] values = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                values[i] = bytes[i] & 0xFF;
            }
            return values;
        }
    }

    static LoggedToken of(Tokenizer tokenizer, TopLogprobs logprobs, int textOffset) {
        List<Scored> top = new ArrayList<>(logprobs.top().size());
        for (TokenLogprob alternative : logprobs.top()) {
            top.add(scored(tokenizer, alternative));
        }
        return new LoggedToken(scored(tokenizer, logprobs.chosen()), top, textOffset);
    }

    private static Scored scored(Tokenizer tokenizer, TokenLogprob token) {
        return new Scored(tokenizer.pieceBytes(token.token(), true), token.logprob());
    }

    static String decodeEscapingBrokenBytes(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length * 4);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                decoder.flush(out);
                break;
            }
            for (int i = 0; i < result.length(); i++) {
                out.put(String.format("\\x%02x", in.get() & 0xFF));
            }
        }
        return out.flip().toString();
    }
}
