package org.infer4j.engine.tokenizer;

import static org.infer4j.engine.tokenizer.CodepointClass.isLetter;
import static org.infer4j.engine.tokenizer.CodepointClass.isNumber;
import static org.infer4j.engine.tokenizer.CodepointClass.isSpace;

/**
 * Kimi K2's pre-tokenizer, a Llama 3 style scanner in which Han ideographs form their own runs:
 * {@code [\p{Han}]+}, then words of non-Han letters (an optional leading non-letter, non-digit, non-newline,
 * and an optional contraction after the letters), {@code \p{N}{1,3}}, {@code ' ?[^\s\p{L}\p{N}]+[\r\n]*'}
 * and the whitespace rules. Like llama.cpp's scanner, only letters (not marks) make up words.
 */
record KimiK2WordSplit() implements SplitRule {

    @Override
    public void split(CodepointText text, int from, int to, IntList out) {
        Gpt2WordSplit.Cursor c = new Gpt2WordSplit.Cursor(text, from, to, out);
        int pos = from;
        while (pos < to) {
            int cpt = c.cpt(pos);
            int flags = c.flags(pos);
            if (isHan(cpt)) { // '[\p{Han}]+'
                while (isHan(c.cpt(pos))) {
                    pos++;
                }
                c.emit(pos);
                continue;
            }
            boolean leads = !(cpt == '\r' || cpt == '\n' || isLetter(flags) || isNumber(flags));
            if (isWordLetter(c, pos) || (leads && isWordLetter(c, pos + 1))) { // words with a contraction
                pos += leads ? 1 : 0;
                while (isWordLetter(c, pos)) {
                    pos++;
                }
                pos += contractionLength(c, pos, to);
                c.emit(pos);
                continue;
            }
            if (isNumber(flags)) { // '\p{N}{1,3}'
                int start = pos;
                while (isNumber(c.flags(pos))) {
                    if (++pos - start >= 3) {
                        c.emit(pos);
                        start = pos;
                    }
                }
                c.emit(pos);
                continue;
            }
            int flags2 = cpt == ' ' ? c.flags(pos + 1) : flags;
            if (isOther(flags2)) { // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
                pos += cpt == ' ' ? 1 : 0;
                while (isOther(flags2)) {
                    flags2 = c.flags(++pos);
                }
                int cpt2 = c.cpt(pos);
                while (cpt2 == '\r' || cpt2 == '\n') {
                    cpt2 = c.cpt(++pos);
                }
                c.emit(pos);
                continue;
            }
            int spaces = 0;
            int lastLineBreakEnd = 0;
            while (isSpace(c.flags(pos + spaces))) {
                int cpt2 = c.cpt(pos + spaces);
                if (cpt2 == '\r' || cpt2 == '\n') {
                    lastLineBreakEnd = pos + spaces + 1;
                }
                spaces++;
            }
            if (lastLineBreakEnd > 0) { // '\s*[\r\n]+'
                pos = lastLineBreakEnd;
                c.emit(pos);
                continue;
            }
            if (spaces > 1 && c.cpt(pos + spaces) != Gpt2WordSplit.OUT_OF_RANGE) { // '\s+(?!\S)'
                pos += spaces - 1;
                c.emit(pos);
                continue;
            }
            if (spaces > 0) { // '\s+'
                pos += spaces;
                c.emit(pos);
                continue;
            }
            c.emit(++pos);
        }
    }

    /** {@code 's 't 'm 'd 're 've 'll} in any case at {@code pos}: its length, else 0. */
    private static int contractionLength(Gpt2WordSplit.Cursor c, int pos, int to) {
        if (c.cpt(pos) != '\'' || pos + 1 >= to) {
            return 0;
        }
        int next = Character.toLowerCase(c.cpt(pos + 1));
        if (next == 's' || next == 't' || next == 'm' || next == 'd') {
            return 2;
        }
        if (pos + 2 < to) {
            int nextNext = Character.toLowerCase(c.cpt(pos + 2));
            if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e') || (next == 'l' && nextNext == 'l')) {
                return 3;
            }
        }
        return 0;
    }

    private static boolean isWordLetter(Gpt2WordSplit.Cursor c, int pos) {
        return isLetter(c.flags(pos)) && !isHan(c.cpt(pos));
    }

    private static boolean isOther(int flags) {
        return flags != 0 && !isSpace(flags) && !isLetter(flags) && !isNumber(flags);
    }

    /** The CJK ideograph blocks llama.cpp counts as Han: unified (with extensions A to F) and compatibility. */
    static boolean isHan(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2EBEF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
