package org.infer4j.engine.template;

/**
 * One lexical unit: literal template text, the delimiters of {@code {{ }}} and {@code {% %}}, or a
 * token of the expression language inside them.
 *
 * @param value for TEXT, NAME and OPERATOR the text; for STRING the decoded string; for INTEGER a
 *              Long and for FLOAT a Double
 * @param line  1-based source line, for error messages
 */
record Token(Kind kind, Object value, int line) {

    enum Kind { TEXT, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Kind expected) {
        return kind == expected;
    }

    boolean isOperator(String op) {
        return kind == Kind.OPERATOR && value.equals(op);
    }

    boolean isName(String name) {
        return kind == Kind.NAME && value.equals(name);
    }

    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case TEXT -> "template text";
            case VARIABLE_BEGIN -> "'{{'";
            case VARIABLE_END -> "'}}'";
            case BLOCK_BEGIN -> "'{%'";
            case BLOCK_END -> "'%}'";
            case STRING -> "string literal";
            default -> "'" + value + "'";
        };
    }
}
