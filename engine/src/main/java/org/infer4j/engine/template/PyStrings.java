package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;

/** Python's str behaviour where it differs from Java's: whitespace, strip, split, case changes. */
final class PyStrings {

    private PyStrings() {
    }

    /** Python's str.isspace for one char (Java's isWhitespace misses \u00a0, \u0085 and others). */
    static boolean isWhitespace(char c) {
        return switch (c) {
            case ' ', '\t', '\n', '\u000b', '\f', '\r', '\u001c', '\u001d', '\u001e', '\u001f', '\u0085', '\u00a0',
                 '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200a';
        };
    }

    static boolean isBlank(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> isWhitespace((char) c));
    }

    static String strip(String s) {
        return rstrip(lstrip(s));
    }

    static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isWhitespace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s) {
        int i = s.length();
        while (i > 0 && isWhitespace(s.charAt(i - 1))) {
            i--;
        }
        return s.substring(0, i);
    }

    /** str.strip(chars) / lstrip / rstrip with an explicit set of characters; null chars = whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        if (chars == null) {
            String out = left ? lstrip(s) : s;
            return right ? rstrip(out) : out;
        }
        int start = 0;
        int end = s.length();
        while (left && start < end && chars.indexOf(s.charAt(start)) >= 0) {
            start++;
        }
        while (right && end > start && chars.indexOf(s.charAt(end - 1)) >= 0) {
            end--;
        }
        return s.substring(start, end);
    }

    /** str.split(sep, maxsplit): with no separator, splits on runs of whitespace and drops empties. */
    static List<Object> split(String s, String sep, int maxSplit) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isWhitespace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(rstrip(s.substring(i)));
                    return parts;
                }
                int start = i;
                while (i < s.length() && !isWhitespace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
        }
        if (sep.isEmpty()) {
            throw new TemplateRenderException("empty separator");
        }
        int start = 0;
        int found;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (found = s.indexOf(sep, start)) >= 0) {
            parts.add(s.substring(start, found));
            start = found + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** str.rsplit(sep, maxsplit): like split but counting splits from the right. */
    static List<Object> rsplit(String s, String sep, int maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, maxSplit);
        }
        List<Object> reversed = new ArrayList<>();
        if (sep == null) {
            int i = s.length();
            while (true) {
                while (i > 0 && isWhitespace(s.charAt(i - 1))) {
                    i--;
                }
                if (i == 0) {
                    break;
                }
                if (reversed.size() == maxSplit) {
                    reversed.add(lstrip(s.substring(0, i)));
                    break;
                }
                int end = i;
                while (i > 0 && !isWhitespace(s.charAt(i - 1))) {
                    i--;
                }
                reversed.add(s.substring(i, end));
            }
        } else {
            if (sep.isEmpty()) {
                throw new TemplateRenderException("empty separator");
            }
            int end = s.length();
            int found;
            while (reversed.size() < maxSplit && (found = s.lastIndexOf(sep, end - sep.length())) >= 0) {
                reversed.add(s.substring(found + sep.length(), end));
                end = found;
            }
            reversed.add(s.substring(0, end));
        }
        return new ArrayList<>(reversed.reversed());
    }

    /** str.splitlines(keepends=False): splits on every line boundary Python recognises. */
    static List<Object> splitlines(String s) {
        List<Object> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                lines.add(s.substring(start, i));
                i += (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    private static boolean isLineBreak(char c) {
        return switch (c) {
            case '\n', '\r', '\u000b', '\f', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029' -> true;
            default -> false;
        };
    }

    /** str.capitalize: first character upper case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return Character.toString(Character.toTitleCase(first)) + s.substring(Character.charCount(first)).toLowerCase();
    }

    /** str.title: a letter following a non-letter is upper-cased, any other letter lower-cased. */
    static String pythonTitle(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean cased = Character.isLetter(cp);
            out.appendCodePoint(cased ? (previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            previousCased = cased;
        }
        return out.toString();
    }

    /**
     * jinja2's title filter, which differs from str.title: words start only after whitespace or
     * one of {@code -([{<}, so "it's" becomes "It's" rather than "It'S".
     */
    static String jinjaTitle(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean wordStart = true;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            boolean separator = cp < 0x10000 && (isWhitespace((char) cp) || "-({[<".indexOf(cp) >= 0);
            if (separator) {
                out.appendCodePoint(cp);
                wordStart = true;
            } else {
                out.appendCodePoint(wordStart ? Character.toUpperCase(cp) : Character.toLowerCase(cp));
                wordStart = false;
            }
        }
        return out.toString();
    }

    /** str.center(width, fill), which puts the odd padding character on the left like CPython. */
    static String center(String s, int width, String fill) {
        int length = s.codePointCount(0, s.length());
        if (width <= length) {
            return s;
        }
        int margin = width - length;
        int left = margin / 2 + (margin & width & 1);
        return fill.repeat(left) + s + fill.repeat(margin - left);
    }

    static String repeat(String s, long times) {
        if (times <= 0) {
            return "";
        }
        if (times * s.length() > Renderer.MAX_OUTPUT_CHARS) {
            throw new TemplateRenderException("string repetition too large");
        }
        return s.repeat((int) times);
    }
}
