package org.infer4j.engine.tokenizer;

import static org.infer4j.engine.tokenizer.CodepointClass.isNumber;

/**
 * Groups digit runs in threes from the right (AFMoE's {@code \p{AFMoE_digits}}, and what llama.cpp runs for
 * Tiny Aya's {@code \d{1,3}(?=(?:\d{3})*\b)}): a run of n digits ends pieces after its first n mod 3 digits
 * and after every third digit from there. As in llama.cpp's scanner, the text before a run is not a piece of
 * its own: it joins the run's first group ("ab12345" gives "ab12", "345").
 */
record DigitGroupSplit() implements SplitRule {

    @Override
    public void split(CodepointText text, int from, int to, IntList out) {
        int pieceStart = from;
        int pos = from;
        while (pos < to) {
            if (!isNumber(text.flags[pos])) {
                pos++;
                continue;
            }
            int runStart = pos;
            while (pos < to && isNumber(text.flags[pos])) {
                pos++;
            }
            int cut = runStart + (pos - runStart) % 3;
            if (cut == runStart) {
                cut += 3;
            }
            for (; cut <= pos; cut += 3) {
                out.add(cut - pieceStart);
                pieceStart = cut;
            }
        }
        if (pieceStart < to) {
            out.add(to - pieceStart);
        }
    }
}
