package org.infer4j.gguf;
final class Placeholder {}
