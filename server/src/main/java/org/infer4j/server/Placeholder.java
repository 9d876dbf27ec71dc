package org.infer4j.server;
final class Placeholder {}
