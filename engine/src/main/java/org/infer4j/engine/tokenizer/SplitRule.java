package org.infer4j.engine.tokenizer;

/**
 * One step of a pre-tokenizer: cuts the code point range {@code [from, to)} of a text into pieces,
 * appending each piece's length to {@code out}. The pieces cover the range exactly, in order.
 */
sealed interface SplitRule permits Gpt2WordSplit, Llama3WordSplit, KimiK2WordSplit, DigitGroupSplit, RegexSplit,
        NewlineSplit {

    void split(CodepointText text, int from, int to, IntList out);
}
