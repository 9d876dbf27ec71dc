package org.infer4j.engine.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits template source into tokens, applying whitespace control the way jinja2 does with Hugging
 * Face's settings: {@code trim_blocks} (drop the newline after a block or comment tag),
 * {@code lstrip_blocks} (drop indentation before a block or comment tag that starts its line),
 * {@code -} markers that strip all adjacent whitespace, {@code +} markers that opt out, and
 * {@code keep_trailing_newline=False}.
 */
final class Lexer {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%[-+]?\\s*raw\\s*([-+]?)%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");
    private static final List<String> TWO_CHAR_OPERATORS = List.of("//", "**", "==", "!=", "<=", ">=");
    private static final String ONE_CHAR_OPERATORS = "+-*/%~<>=()[]{},.:|;";

    private final String source;
    private final int[] lineStarts;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;

    private Lexer(String source) {
        this.source = source;
        this.lineStarts = computeLineStarts(source);
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(normalizeNewlines(source));
        lexer.run();
        return lexer.tokens;
    }

    /** jinja2 reads every line ending as \n and, without keep_trailing_newline, drops one final \n. */
    private static String normalizeNewlines(String source) {
        String text = source.replace("\r\n", "\n").replace('\r', '\n');
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    private static int[] computeLineStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    private int lineAt(int offset) {
        int index = Arrays.binarySearch(lineStarts, offset);
        return index >= 0 ? index + 1 : -index - 1;
    }

    private TemplateSyntaxException error(String message) {
        return new TemplateSyntaxException(message, lineAt(Math.min(pos, source.length())));
    }

    private void run() {
        while (pos < source.length()) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emitText(source.substring(pos), pos);
                break;
            }
            char kind = source.charAt(tag + 1);
            char marker = tag + 2 < source.length() ? source.charAt(tag + 2) : 0;
            boolean hasMarker = marker == '-' || marker == '+';
            String text = source.substring(pos, tag);
            if (marker == '-') {
                text = PyStrings.rstrip(text);
            } else if (kind != '{' && marker != '+') {
                text = lstripBlockIndent(text, pos);
            }
            emitText(text, pos);
            pos = tag + 2 + (hasMarker ? 1 : 0);
            switch (kind) {
                case '#' -> lexComment();
                case '%' -> lexBlock(tag);
                default -> lexVariable();
            }
        }
        tokens.add(new Token(Token.Kind.EOF, "", lineAt(source.length())));
    }

    private int nextTagStart(int from) {
        int i = source.indexOf('{', from);
        while (i >= 0 && i + 1 < source.length()) {
            char next = source.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
            i = source.indexOf('{', i + 1);
        }
        return -1;
    }

    private void emitText(String text, int offset) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Token.Kind.TEXT, text, lineAt(offset)));
        }
    }

    /**
     * lstrip_blocks: drop the spaces before a block tag when nothing else precedes it on its line.
     * Whether the text itself starts a line depends on the character before it in the source.
     */
    private String lstripBlockIndent(String text, int textStart) {
        int lineStart = text.lastIndexOf('\n') + 1;
        boolean atLineStart = lineStart > 0 || textStart == 0 || source.charAt(textStart - 1) == '\n';
        if (atLineStart && lineStart < text.length() && PyStrings.isBlank(text.substring(lineStart))) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    /** After a tag: '-' strips all following whitespace, otherwise trim_blocks eats one newline. */
    private void afterTag(char endMarker, boolean trimBlocks) {
        if (endMarker == '-') {
            while (pos < source.length() && PyStrings.isWhitespace(source.charAt(pos))) {
                pos++;
            }
        } else if (endMarker != '+' && trimBlocks && pos < source.length() && source.charAt(pos) == '\n') {
            pos++;
        }
    }

    private void lexComment() {
        int end = source.indexOf("#}", pos);
        if (end < 0) {
            throw error("unclosed comment");
        }
        char marker = end > pos && source.charAt(end - 1) == '-' ? '-' : 0;
        pos = end + 2;
        afterTag(marker, true);
    }

    private void lexBlock(int tagStart) {
        Matcher raw = RAW_BEGIN.matcher(source).region(tagStart, source.length());
        if (raw.lookingAt()) {
            lexRaw(raw);
            return;
        }
        tokens.add(new Token(Token.Kind.BLOCK_BEGIN, "{%", lineAt(tagStart)));
        char marker = lexExpression("%}");
        tokens.add(new Token(Token.Kind.BLOCK_END, "%}", lineAt(pos)));
        afterTag(marker, true);
    }

    private void lexVariable() {
        tokens.add(new Token(Token.Kind.VARIABLE_BEGIN, "{{", lineAt(pos)));
        char marker = lexExpression("}}");
        tokens.add(new Token(Token.Kind.VARIABLE_END, "}}", lineAt(pos)));
        afterTag(marker, false);
    }

    /** {@code {% raw %}...{% endraw %}}: the content is text, with the tags' whitespace control. */
    private void lexRaw(Matcher begin) {
        Matcher end = RAW_END.matcher(source).region(begin.end(), source.length());
        if (!end.find()) {
            pos = begin.start();
            throw error("missing endraw for raw block");
        }
        String content = source.substring(begin.end(), end.start());
        if (begin.group(1).equals("-")) {
            content = PyStrings.lstrip(content);
        }
        if (end.group(1).equals("-")) {
            content = PyStrings.rstrip(content);
        } else if (!end.group(1).equals("+")) {
            content = lstripBlockIndent(content, begin.end());
        }
        emitText(content, begin.end());
        pos = end.end();
        String endMarker = end.group(2);
        afterTag(endMarker.isEmpty() ? 0 : endMarker.charAt(0), true);
    }

    /**
     * Lexes the expression inside a tag up to its closing delimiter, which only counts outside
     * brackets (so a dict literal's braces can close before {@code }}}). Returns the end marker.
     */
    private char lexExpression(String close) {
        Deque<Character> brackets = new ArrayDeque<>();
        while (true) {
            while (pos < source.length() && PyStrings.isWhitespace(source.charAt(pos))) {
                pos++;
            }
            if (pos >= source.length()) {
                throw error("unclosed tag, expected '" + close + "'");
            }
            if (brackets.isEmpty()) {
                if (source.startsWith(close, pos)) {
                    pos += close.length();
                    return 0;
                }
                char c = source.charAt(pos);
                if ((c == '-' || (c == '+' && close.equals("%}"))) && source.startsWith(close, pos + 1)) {
                    pos += 1 + close.length();
                    return c;
                }
            }
            lexExpressionToken(brackets);
        }
    }

    private void lexExpressionToken(Deque<Character> brackets) {
        char c = source.charAt(pos);
        int line = lineAt(pos);
        if (Character.isLetter(c) || c == '_') {
            int start = pos;
            while (pos < source.length() && (Character.isLetterOrDigit(source.charAt(pos)) || source.charAt(pos) == '_')) {
                pos++;
            }
            tokens.add(new Token(Token.Kind.NAME, source.substring(start, pos), line));
        } else if (Character.isDigit(c)) {
            lexNumber(line);
        } else if (c == '\'' || c == '"') {
            tokens.add(new Token(Token.Kind.STRING, lexString(c), line));
        } else {
            String op = TWO_CHAR_OPERATORS.stream().filter(o -> source.startsWith(o, pos)).findFirst()
                    .orElse(ONE_CHAR_OPERATORS.indexOf(c) >= 0 ? String.valueOf(c) : null);
            if (op == null) {
                throw error("unexpected character '" + c + "'");
            }
            trackBracket(op.charAt(0), brackets);
            pos += op.length();
            tokens.add(new Token(Token.Kind.OPERATOR, op, line));
        }
    }

    private void trackBracket(char c, Deque<Character> brackets) {
        switch (c) {
            case '(' -> brackets.push(')');
            case '[' -> brackets.push(']');
            case '{' -> brackets.push('}');
            case ')', ']', '}' -> {
                if (brackets.isEmpty() || brackets.pop() != c) {
                    throw error("unexpected '" + c + "'");
                }
            }
            default -> { }
        }
    }

    private void lexNumber(int line) {
        int start = pos;
        if (source.charAt(pos) == '0' && pos + 1 < source.length() && "bBoOxX".indexOf(source.charAt(pos + 1)) >= 0) {
            int radix = switch (Character.toLowerCase(source.charAt(pos + 1))) {
                case 'b' -> 2;
                case 'o' -> 8;
                default -> 16;
            };
            pos += 2;
            int digitsStart = pos;
            while (pos < source.length() && (Character.digit(source.charAt(pos), radix) >= 0 || source.charAt(pos) == '_')) {
                pos++;
            }
            tokens.add(new Token(Token.Kind.INTEGER, parseInteger(source.substring(digitsStart, pos), radix), line));
            return;
        }
        skipDigits();
        boolean isFloat = false;
        // Like jinja2, "x.0.1" is attribute access, not a float: no fraction right after a dot.
        boolean afterDot = start > 0 && source.charAt(start - 1) == '.';
        if (!afterDot && pos + 1 < source.length() && source.charAt(pos) == '.' && Character.isDigit(source.charAt(pos + 1))) {
            pos++;
            skipDigits();
            isFloat = true;
        }
        if (!afterDot && pos < source.length() && (source.charAt(pos) == 'e' || source.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < source.length() && (source.charAt(pos) == '+' || source.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < source.length() && Character.isDigit(source.charAt(pos))) {
                skipDigits();
                isFloat = true;
            } else {
                pos = save;
            }
        }
        String text = source.substring(start, pos).replace("_", "");
        tokens.add(isFloat
                ? new Token(Token.Kind.FLOAT, Double.parseDouble(text), line)
                : new Token(Token.Kind.INTEGER, parseInteger(text, 10), line));
    }

    private Long parseInteger(String digits, int radix) {
        try {
            return Long.parseLong(digits.replace("_", ""), radix);
        } catch (NumberFormatException e) {
            throw error("integer literal out of range: " + digits);
        }
    }

    private void skipDigits() {
        while (pos < source.length() && (Character.isDigit(source.charAt(pos))
                || (source.charAt(pos) == '_' && pos + 1 < source.length() && Character.isDigit(source.charAt(pos + 1))))) {
            pos++;
        }
    }

    /** A quoted literal with Python's backslash escapes; unknown escapes stay as written. */
    private String lexString(char quote) {
        int start = pos;
        pos++;
        StringBuilder out = new StringBuilder();
        while (pos < source.length()) {
            char c = source.charAt(pos++);
            if (c == quote) {
                return out.toString();
            }
            if (c != '\\' || pos >= source.length()) {
                out.append(c);
                continue;
            }
            char e = source.charAt(pos++);
            switch (e) {
                case '\n' -> { }
                case '\\', '\'', '"' -> out.append(e);
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case 'x' -> out.appendCodePoint(hexEscape(2));
                case 'u' -> out.appendCodePoint(hexEscape(4));
                case 'U' -> out.appendCodePoint(hexEscape(8));
                default -> {
                    if (e >= '0' && e <= '7') {
                        int value = e - '0';
                        for (int i = 0; i < 2 && pos < source.length() && source.charAt(pos) >= '0' && source.charAt(pos) <= '7'; i++) {
                            value = value * 8 + source.charAt(pos++) - '0';
                        }
                        out.append((char) value);
                    } else {
                        out.append('\\').append(e);
                    }
                }
            }
        }
        pos = start;
        throw error("unclosed string literal");
    }

    private int hexEscape(int digits) {
        if (pos + digits > source.length()) {
            throw error("truncated \\x/\\u escape");
        }
        try {
            int cp = Integer.parseInt(source.substring(pos, pos + digits), 16);
            if (!Character.isValidCodePoint(cp)) {
                throw error("invalid code point in escape");
            }
            pos += digits;
            return cp;
        } catch (NumberFormatException e) {
            throw error("invalid \\x/\\u escape");
        }
    }
}
