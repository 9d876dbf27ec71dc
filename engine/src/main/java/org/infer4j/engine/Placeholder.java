package org.infer4j.engine;
final class Placeholder {}
