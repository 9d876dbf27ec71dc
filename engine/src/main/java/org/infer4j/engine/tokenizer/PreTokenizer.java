package org.infer4j.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/** A byte-level BPE pre-tokenizer: its split rules run in turn, each on every piece the previous made. */
record PreTokenizer(PreTokenizerType type, List<SplitRule> rules) {

    static PreTokenizer of(PreTokenizerType type) {
        return new PreTokenizer(type, type.rules());
    }

    List<String> split(String text) {
        CodepointText cps = new CodepointText(text);
        IntList pieces = new IntList();
        pieces.add(cps.length());
        for (SplitRule rule : rules) {
            IntList next = new IntList();
            int start = 0;
            for (int i = 0; i < pieces.size(); i++) {
                int length = pieces.get(i);
                rule.split(cps, start, start + length, next);
                start += length;
            }
            pieces = next;
        }
        List<String> words = new ArrayList<>(pieces.size());
        int start = 0;
        for (int i = 0; i < pieces.size(); i++) {
            int length = pieces.get(i);
            words.add(cps.substring(start, start + length));
            start += length;
        }
        return words;
    }
}
