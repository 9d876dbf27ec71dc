package org.infer4j.engine.tokenizer;

/** A text as code points with their {@link CodepointClass} flags, shared by the split rules of one pre-tokenization. */
final class CodepointText {
    final String text;
    final int[] cps;
    final int[] flags;
    /** UTF-16 index of each code point, plus the text length at the end. */
    final int[] charIndex;

    CodepointText(String text) {
        this.text = text;
        this.cps = text.codePoints().toArray();
        this.flags = new int[cps.length];
        this.charIndex = new int[cps.length + 1];
        int at = 0;
        for (int i = 0; i < cps.length; i++) {
            flags[i] = CodepointClass.flags(cps[i]);
            charIndex[i] = at;
            at += Character.charCount(cps[i]);
        }
        charIndex[cps.length] = at;
    }

    int length() {
        return cps.length;
    }

    String substring(int fromCp, int toCp) {
        return text.substring(charIndex[fromCp], charIndex[toCp]);
    }
}
