package org.infer4j.engine.tokenizer;

import static org.infer4j.engine.tokenizer.CodepointClass.isLetter;
import static org.infer4j.engine.tokenizer.CodepointClass.isNumber;
import static org.infer4j.engine.tokenizer.CodepointClass.isSpace;

/**
 * GPT-2's pre-tokenizer {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+},
 * hand-written as a scanner the way llama.cpp does it (so it behaves exactly like llama.cpp, not like
 * some regex engine).
 */
record Gpt2WordSplit() implements SplitRule {
    static final int OUT_OF_RANGE = -1;

    @Override
    public void split(CodepointText text, int from, int to, IntList out) {
        Cursor c = new Cursor(text, from, to, out);
        int pos = from;
        while (pos < to) {
            int cpt = c.cpt(pos);
            int flags = c.flags(pos);
            if (cpt == '\'' && pos + 1 < to) {
                int next = c.cpt(pos + 1);
                if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                    pos += c.emit(pos + 2);
                    continue;
                }
                if (pos + 2 < to) {
                    int nextNext = c.cpt(pos + 2);
                    if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e')
                            || (next == 'l' && nextNext == 'l')) {
                        pos += c.emit(pos + 3);
                        continue;
                    }
                }
            }
            int flags2 = cpt == ' ' ? c.flags(pos + 1) : flags;
            if (isLetter(flags2)) { // ' ?\p{L}+'
                pos += cpt == ' ' ? 1 : 0;
                while (isLetter(flags2)) {
                    flags2 = c.flags(++pos);
                }
                c.emit(pos);
                continue;
            }
            if (isNumber(flags2)) { // ' ?\p{N}+'
                pos += cpt == ' ' ? 1 : 0;
                while (isNumber(flags2)) {
                    flags2 = c.flags(++pos);
                }
                c.emit(pos);
                continue;
            }
            if (isOther(flags2)) { // ' ?[^\s\p{L}\p{N}]+'
                pos += cpt == ' ' ? 1 : 0;
                while (isOther(flags2)) {
                    flags2 = c.flags(++pos);
                }
                c.emit(pos);
                continue;
            }
            int spaces = 0;
            while (isSpace(c.flags(pos + spaces))) {
                spaces++;
            }
            if (spaces > 1 && c.cpt(pos + spaces) != OUT_OF_RANGE) { // '\s+(?!\S)'
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

    private static boolean isOther(int flags) {
        return flags != 0 && !isSpace(flags) && !isLetter(flags) && !isNumber(flags);
    }

    /** Bounded access to one range of the text and the piece emitter, as the scanners need them. */
    static final class Cursor {
        private final CodepointText text;
        private final int from;
        private final int to;
        private final IntList out;
        private int previousEnd;

        Cursor(CodepointText text, int from, int to, IntList out) {
            this.text = text;
            this.from = from;
            this.to = to;
            this.out = out;
            this.previousEnd = from;
        }

        int cpt(int pos) {
            return pos >= from && pos < to ? text.cps[pos] : OUT_OF_RANGE;
        }

        /** Flags of the code point at {@code pos}; 0 outside the range. */
        int flags(int pos) {
            return pos >= from && pos < to ? text.flags[pos] : 0;
        }

        /** Ends the current piece at {@code end}; returns its length. */
        int emit(int end) {
            int length = end - previousEnd;
            if (length > 0) {
                out.add(length);
            }
            previousEnd = end;
            return length;
        }
    }
}
