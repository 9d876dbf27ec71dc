package org.infer4j.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    /** Feeds the chunks, returns every released piece (flushed at the end unless stopped). */
    private static List<String> feed(List<String> stops, String... chunks) {
        StopStringMatcher matcher = new StopStringMatcher(stops);
        List<String> out = new ArrayList<>();
        for (String chunk : chunks) {
            out.add(matcher.push(chunk));
        }
        if (!matcher.stopped()) {
            out.add(matcher.flush());
        }
        return out;
    }

    private static String joined(List<String> stops, String... chunks) {
        return String.join("", feed(stops, chunks));
    }

    @Test
    void withoutStopStringsEverythingPassesAtOnce() {
        assertThat(feed(List.of(), "Hello", " world")).containsExactly("Hello", " world", "");
    }

    @Test
    void stopSpanningThreeTokensIsCutAndNothingAfterIt() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("STOP"));
        assertThat(matcher.push("abc S")).isEqualTo("abc ");
        assertThat(matcher.push("T")).isEmpty();
        assertThat(matcher.push("OP and more")).isEmpty();
        assertThat(matcher.stopped()).isTrue();
        assertThat(matcher.push("later")).isEmpty();
    }

    @Test
    void heldTextIsReleasedAsSoonAsItCannotStartAStop() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("STOP"));
        assertThat(matcher.push("ST")).isEmpty();
        assertThat(matcher.push("A")).isEqualTo("STA");
        assertThat(matcher.push("S")).isEmpty();
        assertThat(matcher.push("x")).isEqualTo("Sx");
        assertThat(matcher.stopped()).isFalse();
    }

    @Test
    void overlappingPrefixFindsTheStopInsideARepetition() {
        // "aab" in "aaab": after "aa" the matcher must keep the last "aa", not give up on the first 'a'
        StopStringMatcher matcher = new StopStringMatcher(List.of("aab"));
        assertThat(matcher.push("a")).isEmpty();
        assertThat(matcher.push("a")).isEmpty();
        assertThat(matcher.push("a")).isEqualTo("a");
        assertThat(matcher.push("b")).isEmpty();
        assertThat(matcher.stopped()).isTrue();
        assertThat(joined(List.of("aab"), "a", "a", "a", "b", "c")).isEqualTo("a");
        assertThat(joined(List.of("abab"), "ab", "a", "b", "ab")).isEmpty();
        assertThat(joined(List.of("abac"), "ab", "ab", "ac", "x")).isEqualTo("ab");
    }

    @Test
    void stopAtTheVeryStartReleasesNothing() {
        assertThat(feed(List.of("###"), "###", "rest")).containsExactly("", "");
        assertThat(feed(List.of("\n"), "\nHello")).containsExactly("");
    }

    @Test
    void stopInsideOneChunkKeepsTheTextBeforeIt() {
        assertThat(feed(List.of("END"), "one END two")).containsExactly("one ");
    }

    @Test
    void theFirstStopStringToCompleteWins() {
        List<String> stops = List.of("world", "lo w", "xyz", "o");
        assertThat(joined(stops, "Hel", "lo world")).isEqualTo("Hell");
        assertThat(joined(List.of("bc", "abcd"), "abcd")).isEqualTo("a");
        assertThat(joined(List.of("abcd", "bc"), "a", "b", "c")).isEqualTo("a");
        // generation stops on "b " before "a b c" could ever complete
        assertThat(joined(List.of("a b c", "b "), "a ", "b ", "c")).isEqualTo("a ");
        // ending at the same place, the longer (earlier) one cuts
        assertThat(joined(List.of("B", "AB"), "xAB")).isEqualTo("x");
    }

    @Test
    void partialStopAtTheEndIsReleasedByFlush() {
        StopStringMatcher matcher = new StopStringMatcher(List.of("</answer>"));
        assertThat(matcher.push("42 </ans")).isEqualTo("42 ");
        assertThat(matcher.flush()).isEqualTo("</ans");
        assertThat(matcher.flush()).isEmpty();
    }

    @Test
    void unicodeStopStringsAcrossChunks() {
        assertThat(joined(List.of("終わり"), "これで", "終", "わ", "り", "です")).isEqualTo("これで");
        assertThat(joined(List.of("🙂!"), "ok ", "🙂", "!", "x")).isEqualTo("ok ");
        assertThat(joined(List.of("🙂!"), "ok ", "🙂", "?")).isEqualTo("ok 🙂?");
        assertThat(joined(List.of("é"), "caf", "é")).isEqualTo("caf");
        // a stop sharing only the high surrogate with the text must not cut a character in two
        StopStringMatcher matcher = new StopStringMatcher(List.of("😀"));
        assertThat(matcher.push("a😁")).isEqualTo("a😁");
    }

    @Test
    void emptyStopStringsAreIgnored() {
        assertThat(joined(List.of("", "zz"), "abc", "def")).isEqualTo("abcdef");
    }

    @Test
    void anyChunkingReleasesTheSameTextAsTheWholeString() {
        Random random = new Random(1);
        String alphabet = "ab c\n";
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(30);
            for (int i = 0; i < length; i++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            List<String> stops = new ArrayList<>();
            int count = 1 + random.nextInt(4);
            for (int s = 0; s < count; s++) {
                StringBuilder stop = new StringBuilder();
                int stopLength = 1 + random.nextInt(4);
                for (int i = 0; i < stopLength; i++) {
                    stop.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                stops.add(stop.toString());
            }
            String expected = referenceCut(text.toString(), stops);

            List<String> chunks = new ArrayList<>();
            for (int at = 0; at < text.length(); ) {
                int size = Math.min(text.length() - at, random.nextInt(5));
                chunks.add(text.substring(at, at + size));
                at += size;
            }
            assertThat(joined(stops, chunks.toArray(String[]::new))).as("%s in %s", stops, text).isEqualTo(expected);
        }
    }

    /** Text before the stop string that is complete first, reading the text one character at a time. */
    private static String referenceCut(String text, List<String> stops) {
        for (int end = 1; end <= text.length(); end++) {
            int cut = -1;
            for (String stop : stops) {
                if (text.startsWith(stop, end - stop.length()) && end >= stop.length()) {
                    int start = end - stop.length();
                    cut = cut < 0 ? start : Math.min(cut, start);
                }
            }
            if (cut >= 0) {
                return text.substring(0, cut);
            }
        }
        return text;
    }

    @Test
    void outputIsNeverHeldLongerThanNeeded() {
        // After every push, exactly the longest suffix that could begin a stop string is held back.
        List<String> stops = List.of("<|end|>", "\n\n");
        StopStringMatcher matcher = new StopStringMatcher(stops);
        StringBuilder released = new StringBuilder();
        String text = "line one\nline <two> <|en <|end";
        for (int i = 0; i < text.length(); i++) {
            released.append(matcher.push(String.valueOf(text.charAt(i))));
            String seen = text.substring(0, i + 1);
            int held = 0;
            for (String stop : stops) {
                for (int n = 1; n < stop.length() && n <= seen.length(); n++) {
                    if (seen.endsWith(stop.substring(0, n))) {
                        held = Math.max(held, n);
                    }
                }
            }
            assertThat(released.toString()).isEqualTo(seen.substring(0, seen.length() - held));
        }
        assertThat(released.toString()).isEqualTo("line one\nline <two> <|en ");
        assertThat(matcher.flush()).isEqualTo("<|end");
    }
}
