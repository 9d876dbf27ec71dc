package org.infer4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.infer4j.engine.generate.FinishReason;
import org.junit.jupiter.api.Test;

/** How token pieces that are not whole UTF-8 characters appear in both log-probability shapes. */
class LoggedTokenTest {
    private static final Json JSON = new Json();
    private static final CompletionFormat.Envelope ENVELOPE = new CompletionFormat.Envelope("id", 1, "m", false);

    private static LoggedToken.Scored piece(double logprob, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return new LoggedToken.Scored(b, logprob);
    }

    private static LoggedToken.Scored piece(double logprob, String text) {
        return new LoggedToken.Scored(text.getBytes(StandardCharsets.UTF_8), logprob);
    }

    @Test
    void brokenBytesAreEscapedAndWholeCharactersKept() {
        assertThat(piece(0, 0xF0, 0x9F).text()).isEqualTo("\\xf0\\x9f");
        assertThat(piece(0, 0x20, 0xE2, 0x80).text()).isEqualTo(" \\xe2\\x80");
        assertThat(piece(0, 0x98, 0x80).text()).isEqualTo("\\x98\\x80");
        assertThat(piece(0, "é!").text()).isEqualTo("é!");
        assertThat(piece(0, "é!").isWholeText()).isTrue();
        assertThat(piece(0, 0x20, 0xE2, 0x80).isWholeText()).isFalse();
        assertThat(piece(0, 0xF0, 0x9F).byteValues()).containsExactly(240, 159);
    }

    @Test
    void legacyShapeNamesPartialPiecesWithTheBytesPrefixAndAddsTheSampledToken() {
        var first = new LoggedToken(piece(-0.5, 0xF0, 0x9F), List.of(piece(-0.2, "a"), piece(-0.4, "b")), 7);
        var second = new LoggedToken(piece(-0.1, 0x98, 0x80), List.of(piece(-0.1, 0x98, 0x80)), 7);
        var choice = new CompletionFormat.Choice(0, "😀", FinishReason.LENGTH, List.of(first, second));
        String body = JSON.write(new CompletionFormat.Text().response(ENVELOPE, List.of(choice),
                new Wire.UsageBody(1, 2, 3)));
        assertThat(body).contains("\"logprobs\":{\"tokens\":[\"bytes:\\\\xf0\\\\x9f\",\"bytes:\\\\x98\\\\x80\"],"
                + "\"token_logprobs\":[-0.5,-0.1],"
                + "\"top_logprobs\":[{\"a\":-0.2,\"b\":-0.4,\"bytes:\\\\xf0\\\\x9f\":-0.5},{\"bytes:\\\\x98\\\\x80\":-0.1}],"
                + "\"text_offset\":[7,7]}");
    }

    @Test
    void chatShapeEscapesTheTokenAndGivesTheTrueBytes() {
        var token = new LoggedToken(piece(-0.5, 0xF0, 0x9F), List.of(piece(-0.5, 0xF0, 0x9F)), 0);
        String chunk = JSON.write(new CompletionFormat.Chat().textChunk(ENVELOPE, 0, "x", List.of(token)));
        assertThat(chunk).contains("\"logprobs\":{\"content\":[{\"token\":\"\\\\xf0\\\\x9f\",\"logprob\":-0.5,"
                + "\"bytes\":[240,159],\"top_logprobs\":[{\"token\":\"\\\\xf0\\\\x9f\",\"logprob\":-0.5,"
                + "\"bytes\":[240,159]}]}],\"refusal\":null}");
        String plain = JSON.write(new CompletionFormat.Chat().textChunk(ENVELOPE, 0, "x", null));
        assertThat(plain).contains("\"logprobs\":null");
    }
}
