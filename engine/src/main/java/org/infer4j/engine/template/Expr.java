package org.infer4j.engine.template;

import java.util.List;

/** Expression syntax tree: everything inside {@code {{ }}} and the expressions of statements. */
sealed interface Expr {

    /** A constant: string, integer, float, boolean or none. */
    record Literal(Object value) implements Expr { }

    record Variable(String name) implements Expr { }

    record ListLiteral(List<Expr> items) implements Expr { }

    record TupleLiteral(List<Expr> items) implements Expr { }

    record DictLiteral(List<Entry> entries) implements Expr {
        record Entry(Expr key, Expr value) { }
    }

    /** {@code target.name}: jinja2 tries the Python attribute first, then the item. */
    record Attribute(Expr target, String name) implements Expr { }

    /** {@code target[index]}: jinja2 tries the item first, then the attribute. */
    record Item(Expr target, Expr index) implements Expr { }

    /** {@code target[start:stop:step]}; absent parts are null. */
    record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr { }

    record Call(Expr callee, Args args) implements Expr { }

    /** {@code target | name(args)}. */
    record Filter(Expr target, FilterSpec filter) implements Expr { }

    /** {@code target is [not] name(args)}. */
    record Test(Expr target, String name, Args args, boolean negated) implements Expr { }

    record Unary(UnaryOp op, Expr operand) implements Expr { }

    record Binary(BinaryOp op, Expr left, Expr right) implements Expr { }

    /** {@code and}/{@code or}, which short-circuit and yield one of their operands as in Python. */
    record Logical(boolean isAnd, Expr left, Expr right) implements Expr { }

    /** A comparison chain {@code a < b <= c}, true when every adjacent pair holds. */
    record Compare(Expr first, List<Comparison> rest) implements Expr {
        record Comparison(CompareOp op, Expr operand) { }
    }

    /** {@code then if condition else otherwise}; without else, a false condition gives undefined. */
    record Conditional(Expr condition, Expr then, Expr otherwise) implements Expr { }

    enum UnaryOp { NOT, NEGATE, PLUS }

    enum BinaryOp { ADD, SUBTRACT, MULTIPLY, DIVIDE, FLOOR_DIVIDE, MODULO, POWER, CONCAT }

    enum CompareOp { EQ, NE, LT, LE, GT, GE, IN, NOT_IN }

    /** Call arguments as written. */
    record Args(List<Expr> positional, List<Keyword> keyword) {
        static final Args NONE = new Args(List.of(), List.of());

        record Keyword(String name, Expr value) { }
    }

    /** One filter application, shared by filter expressions and {@code {% filter %}} blocks. */
    record FilterSpec(String name, Args args, int line) { }
}
