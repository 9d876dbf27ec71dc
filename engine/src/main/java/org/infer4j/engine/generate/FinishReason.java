package org.infer4j.engine.generate;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The token budget or the context window ran out. */
    LENGTH
}
