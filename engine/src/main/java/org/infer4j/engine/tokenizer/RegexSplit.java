package org.infer4j.engine.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer regex run the way llama.cpp runs the ones it has no scanner for: with a
 * backtracking ECMAScript-style engine over a "collapsed" text. When the regex uses Unicode classes
 * ({@code \p{L}}, {@code \p{N}}, {@code \p{P}}, {@code \p{M}}, {@code \p{S}}), every non-ASCII code point is
 * replaced by one marker character for its class (non-ASCII whitespace by U+000B) and each {@code \p{..}}
 * by a class of its marker plus the ASCII members; otherwise the regex runs on the code points with
 * non-ASCII whitespace replaced by U+000B. Matches and the gaps between them both become pieces.
 * java.util.regex without UNICODE_CHARACTER_CLASS has the ASCII-only {@code \s}, {@code \d}, {@code \b} that
 * ECMAScript has, and the same leftmost-first alternation.
 */
record RegexSplit(String source, Pattern pattern, boolean collapsed) implements SplitRule {
    private static final char OTHER = '\u00D0';
    private static final char NUMBER = '\u00D1';
    private static final char LETTER = '\u00D2';
    private static final char PUNCTUATION = '\u00D3';
    private static final char MARK = '\u00D4';
    private static final char SYMBOL = '\u00D5';
    private static final char SPACE = '\u000B';

    /** {@code regex} as llama.cpp writes it (ECMAScript syntax with {@code \p{..}} classes). */
    static RegexSplit of(String regex) {
        boolean collapsed = regex.contains("\\p{");
        if (collapsed && !regex.chars().allMatch(ch -> ch < 128)) {
            throw new IllegalArgumentException("regex mixes Unicode classes and non-ASCII characters: " + regex);
        }
        String translated = collapsed ? collapseClasses(regex) : regex;
        return new RegexSplit(regex, Pattern.compile(ecmaToJava(translated)), collapsed);
    }

    @Override
    public void split(CodepointText text, int from, int to, IntList out) {
        if (from == to) {
            return;
        }
        Subject subject = subject(text);
        Matcher m = pattern.matcher(subject.chars);
        int regionStart = subject.index(from);
        int regionEnd = subject.index(to);
        m.region(regionStart, regionEnd);
        int previous = from;
        while (m.find()) {
            int start = subject.codepointAt(m.start());
            int end = subject.codepointAt(m.end());
            if (start > previous) {
                out.add(start - previous);
            }
            if (end > start) {
                out.add(end - start);
            }
            previous = end;
            if (m.end() >= regionEnd) {
                break;
            }
        }
        if (previous < to) {
            out.add(to - previous);
        }
    }

    /** The text the pattern runs on, and how its UTF-16 indexes map to code point indexes. */
    private record Subject(String chars, int[] charIndex, boolean oneCharPerCodepoint) {
        int index(int codepoint) {
            return oneCharPerCodepoint ? codepoint : charIndex[codepoint];
        }

        int codepointAt(int charPos) {
            if (oneCharPerCodepoint) {
                return charPos;
            }
            int i = java.util.Arrays.binarySearch(charIndex, charPos);
            return i >= 0 ? i : -i - 1;
        }
    }

    private Subject subject(CodepointText text) {
        int n = text.length();
        if (collapsed) {
            char[] chars = new char[n];
            for (int i = 0; i < n; i++) {
                int cp = text.cps[i];
                chars[i] = cp < 128 ? (char) cp : marker(text.flags[i]);
            }
            return new Subject(new String(chars), null, true);
        }
        StringBuilder sb = new StringBuilder(text.text.length());
        for (int i = 0; i < n; i++) {
            int cp = text.cps[i];
            sb.appendCodePoint(cp > 0x7F && CodepointClass.isSpace(text.flags[i]) ? SPACE : cp);
        }
        // Replacing whitespace keeps every code point's UTF-16 width, so the text's own index map still holds.
        return new Subject(sb.toString(), text.charIndex, false);
    }

    private static char marker(int flags) {
        if (CodepointClass.isSpace(flags)) {
            return SPACE;
        }
        return switch (flags & CodepointClass.CATEGORIES) {
            case CodepointClass.NUMBER -> NUMBER;
            case CodepointClass.LETTER -> LETTER;
            case CodepointClass.PUNCTUATION -> PUNCTUATION;
            case CodepointClass.MARK -> MARK;
            case CodepointClass.SYMBOL -> SYMBOL;
            default -> OTHER;
        };
    }

    /** Replaces each {@code \p{X}} by its marker and ASCII members, bracketed unless already inside a class. */
    static String collapseClasses(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char ch = regex.charAt(i);
            if (ch == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && ch == ']' && regex.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (ch == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                int close = regex.indexOf('}', i + 3);
                String members = close < 0 ? null : classMembers(regex.substring(i + 3, close));
                if (members != null) {
                    out.append(inside ? "" : "[").append(members).append(inside ? "" : "]");
                    i = close;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    private static String classMembers(String name) {
        return switch (name) {
            case "N" -> "\\x{D1}0-9";
            case "L", "Lu", "Ll", "Lt", "Lm", "Lo" -> "\\x{D2}A-Za-z";
            case "P" -> "\\x{D3}!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
            case "M" -> "\\x{D4}";
            case "S" -> "\\x{D5}\\$\\+<->\\^`\\|\\~";
            default -> null;
        };
    }

    /** ECMAScript's {@code $} (no multiline) is Java's {@code \z}; everything else these regexes use reads the same. */
    private static String ecmaToJava(String regex) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char ch = regex.charAt(i);
            if (ch == '\\' && i + 1 < regex.length()) {
                out.append(ch).append(regex.charAt(++i));
                continue;
            }
            if (ch == '[') {
                inside = true;
            } else if (ch == ']') {
                inside = false;
            } else if (ch == '$' && !inside) {
                out.append("\\z");
                continue;
            }
            out.append(ch);
        }
        return out.toString();
    }
}
