package org.infer4j.engine.convert;

/** An F32 tensor the converter computes from the configuration; {@code shape} in ggml order. */
record GeneratedTensor(String name, long[] shape, float[] values) {}
