package org.infer4j.engine.tokenizer;

import static org.infer4j.engine.tokenizer.CodepointClass.isNumber;
import static org.infer4j.engine.tokenizer.CodepointClass.isSpace;

/**
 * The Llama 3 / Qwen 2 family of pre-tokenizers,
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+},
 * as a scanner like llama.cpp's. Qwen 2 takes digits one at a time ({@code maxDigits} 1); Qwen 3.5 lets
 * words carry combining marks ({@code wordClass} letters and marks).
 */
record Llama3WordSplit(int maxDigits, int wordClass) implements SplitRule {

    static Llama3WordSplit llama3() {
        return new Llama3WordSplit(3, CodepointClass.LETTER);
    }

    static Llama3WordSplit qwen2() {
        return new Llama3WordSplit(1, CodepointClass.LETTER);
    }

    static Llama3WordSplit qwen35() {
        return new Llama3WordSplit(1, CodepointClass.LETTER | CodepointClass.MARK);
    }

    @Override
    public void split(CodepointText text, int from, int to, IntList out) {
        Gpt2WordSplit.Cursor c = new Gpt2WordSplit.Cursor(text, from, to, out);
        int pos = from;
        while (pos < to) {
            int cpt = c.cpt(pos);
            int flags = c.flags(pos);
            if (cpt == '\'' && pos + 1 < to) { // contractions, any case
                int next = Character.toLowerCase(c.cpt(pos + 1));
                if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                    pos += c.emit(pos + 2);
                    continue;
                }
                if (pos + 2 < to) {
                    int nextNext = Character.toLowerCase(c.cpt(pos + 2));
                    if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e')
                            || (next == 'l' && nextNext == 'l')) {
                        pos += c.emit(pos + 3);
                        continue;
                    }
                }
            }
            if (!(cpt == '\r' || cpt == '\n' || isNumber(flags))) { // '[^\r\n\p{L}\p{N}]?\p{L}+'
                if (isWord(flags) || isWord(c.flags(pos + 1))) {
                    pos++;
                    while (isWord(c.flags(pos))) {
                        pos++;
                    }
                    c.emit(pos);
                    continue;
                }
            }
            if (isNumber(flags)) { // '\p{N}{1,maxDigits}'
                int start = pos;
                while (isNumber(c.flags(pos))) {
                    if (++pos - start >= maxDigits) {
                        c.emit(pos);
                        start = pos;
                    }
                }
                c.emit(pos);
                continue;
            }
            int flags2 = cpt == ' ' ? c.flags(pos + 1) : flags;
            if (isOther(flags2) || (flags2 == 0 && flags != 0)) { // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
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
            if (spaces > 1 && c.cpt(pos + spaces) != -1) { // '\s+(?!\S)'
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

    private boolean isWord(int flags) {
        return (flags & wordClass) != 0;
    }

    private boolean isOther(int flags) {
        return flags != 0 && !isSpace(flags) && (flags & wordClass) == 0 && !isNumber(flags);
    }
}
