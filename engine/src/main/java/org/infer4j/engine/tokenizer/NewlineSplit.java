package org.infer4j.engine.tokenizer;

/** {@code [^\n]+|[\n]+}: alternating runs of newlines and of everything else. */
record NewlineSplit() implements SplitRule {

    @Override
    public void split(CodepointText text, int from, int to, IntList out) {
        int pos = from;
        while (pos < to) {
            boolean newline = text.cps[pos] == '\n';
            int start = pos;
            while (pos < to && (text.cps[pos] == '\n') == newline) {
                pos++;
            }
            out.add(pos - start);
        }
    }
}
