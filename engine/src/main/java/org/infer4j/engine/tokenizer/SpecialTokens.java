package org.infer4j.engine.tokenizer;

import java.util.Arrays;

/**
 * The special ids of a vocabulary and how encoding uses them. {@code eog} is sorted; ids are -1 when
 * absent. {@code partitionOrder} lists the control, user-defined and unknown tokens longest text first:
 * the order their texts are searched for in the input.
 */
record SpecialTokens(int bos, int eos, int eot, int eom, int unk, boolean addBos, boolean addEos,
                     int[] eog, int[] partitionOrder) {

    boolean isEndOfGeneration(int token) {
        return token >= 0 && Arrays.binarySearch(eog, token) >= 0;
    }
}
