package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser from tokens to {@link Node}s, following jinja2's grammar and operator
 * precedence (lowest first): conditional expression, {@code or}, {@code and}, {@code not},
 * comparisons and {@code in}, {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary
 * {@code -}, then postfix (attribute, item, call) and filters/tests, which bind tightest. So
 * {@code not a == b} is {@code not (a == b)} and {@code 'x' + y | trim} is {@code 'x' + (y | trim)}.
 */
final class Parser {

    /** Deeper nesting than this is refused so a hostile template cannot overflow the stack. */
    private static final int MAX_NESTING = 150;

    private static final Set<String> CONSTANT_NAMES = Set.of("true", "false", "True", "False", "none", "None");

    private final List<Token> tokens;
    private int index;
    private int nesting;
    /** How many for-loops enclose the cursor, so break/continue outside a loop is a syntax error. */
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser parser = new Parser(Lexer.tokenize(source));
        List<Node> body = parser.parseBody(Set.of());
        parser.expect(Token.Kind.EOF);
        return body;
    }

    // ---- token helpers

    private Token peek() {
        return tokens.get(index);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(index + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token token = tokens.get(index);
        if (index < tokens.size() - 1) {
            index++;
        }
        return token;
    }

    private TemplateSyntaxException error(String message) {
        return new TemplateSyntaxException(message, peek().line());
    }

    private Token expect(Token.Kind kind) {
        if (!peek().is(kind)) {
            throw error("expected " + kind.name().toLowerCase().replace('_', ' ') + ", found " + peek().describe());
        }
        return next();
    }

    private void expectOperator(String op) {
        if (!peek().isOperator(op)) {
            throw error("expected '" + op + "', found " + peek().describe());
        }
        next();
    }

    private String expectName() {
        return (String) expect(Token.Kind.NAME).value();
    }

    private void expectName(String name) {
        if (!peek().isName(name)) {
            throw error("expected '" + name + "', found " + peek().describe());
        }
        next();
    }

    private boolean skipOperator(String op) {
        if (peek().isOperator(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (peek().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private void enter() {
        if (++nesting > MAX_NESTING) {
            throw error("template nested too deeply");
        }
    }

    private void leave() {
        nesting--;
    }

    // ---- statements

    /** Parses nodes until EOF or a block tag named in {@code endTags}, which is left unconsumed. */
    private List<Node> parseBody(Set<String> endTags) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token token = peek();
            switch (token.kind()) {
                case TEXT -> body.add(new Node.Text((String) next().value()));
                case VARIABLE_BEGIN -> {
                    next();
                    body.add(new Node.Output(parseTuple(true, false)));
                    expect(Token.Kind.VARIABLE_END);
                }
                case BLOCK_BEGIN -> {
                    Token name = peek(1);
                    if (name.is(Token.Kind.NAME) && endTags.contains((String) name.value())) {
                        return body;
                    }
                    next();
                    body.add(parseStatement());
                }
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw error("unexpected end of template, expected one of " + endTags);
                    }
                    return body;
                }
                default -> throw error("unexpected " + token.describe());
            }
        }
    }

    /** Consumes {@code {% name %}} for an end tag that {@link #parseBody} stopped at. */
    private void consumeTag(String name) {
        expect(Token.Kind.BLOCK_BEGIN);
        expectName(name);
        expect(Token.Kind.BLOCK_END);
    }

    private Node parseStatement() {
        enter();
        try {
            Token token = peek();
            if (!token.is(Token.Kind.NAME)) {
                throw error("expected a tag name, found " + token.describe());
            }
            String tag = (String) next().value();
            return switch (tag) {
                case "if" -> parseIf();
                case "for" -> parseFor();
                case "set" -> parseSet();
                case "macro" -> parseMacro();
                case "call" -> parseCallBlock();
                case "filter" -> parseFilterBlock();
                case "break", "continue" -> {
                    if (loopDepth == 0) {
                        throw new TemplateSyntaxException("'" + tag + "' outside of a loop", token.line());
                    }
                    expect(Token.Kind.BLOCK_END);
                    yield tag.equals("break") ? new Node.Break() : new Node.Continue();
                }
                case "generation" -> {
                    expect(Token.Kind.BLOCK_END);
                    List<Node> body = parseBody(Set.of("endgeneration"));
                    consumeTag("endgeneration");
                    yield new Node.Generation(body);
                }
                case "include", "import", "from", "extends", "block", "with", "autoescape", "do", "trans" ->
                        throw new TemplateSyntaxException("unsupported tag '" + tag + "'", token.line());
                default -> throw new TemplateSyntaxException("unknown or misplaced tag '" + tag + "'", token.line());
            };
        } finally {
            leave();
        }
    }

    private Node parseIf() {
        List<Node.If.Branch> branches = new ArrayList<>();
        Expr condition = parseTuple(false, false);
        expect(Token.Kind.BLOCK_END);
        branches.add(new Node.If.Branch(condition, parseBody(Set.of("elif", "else", "endif"))));
        while (true) {
            expect(Token.Kind.BLOCK_BEGIN);
            String tag = expectName();
            switch (tag) {
                case "elif" -> {
                    Expr elifCondition = parseTuple(false, false);
                    expect(Token.Kind.BLOCK_END);
                    branches.add(new Node.If.Branch(elifCondition, parseBody(Set.of("elif", "else", "endif"))));
                }
                case "else" -> {
                    expect(Token.Kind.BLOCK_END);
                    List<Node> otherwise = parseBody(Set.of("endif"));
                    consumeTag("endif");
                    return new Node.If(branches, otherwise);
                }
                default -> {
                    expect(Token.Kind.BLOCK_END);
                    return new Node.If(branches, List.of());
                }
            }
        }
    }

    private Node parseFor() {
        Node.Target target = parseAssignTarget(false);
        expectName("in");
        Expr iterable = parseTuple(false, false, "recursive");
        Expr filter = skipName("if") ? parseExpression(true) : null;
        boolean recursive = skipName("recursive");
        expect(Token.Kind.BLOCK_END);
        loopDepth++;
        List<Node> body = parseBody(Set.of("endfor", "else"));
        loopDepth--;
        List<Node> otherwise = List.of();
        expect(Token.Kind.BLOCK_BEGIN);
        if (skipName("else")) {
            expect(Token.Kind.BLOCK_END);
            otherwise = parseBody(Set.of("endfor"));
            consumeTag("endfor");
        } else {
            expectName("endfor");
            expect(Token.Kind.BLOCK_END);
        }
        return new Node.For(target, iterable, filter, recursive, body, otherwise);
    }

    private Node parseSet() {
        Node.Target target = parseAssignTarget(true);
        if (skipOperator("=")) {
            Expr value = parseTuple(true, false);
            expect(Token.Kind.BLOCK_END);
            return new Node.Set(target, value);
        }
        List<Expr.FilterSpec> filters = new ArrayList<>();
        while (skipOperator("|")) {
            filters.add(parseFilterSpec());
        }
        expect(Token.Kind.BLOCK_END);
        List<Node> body = parseBody(Set.of("endset"));
        consumeTag("endset");
        return new Node.SetBlock(target, filters, body);
    }

    private Node.Target parseAssignTarget(boolean allowNamespace) {
        if (allowNamespace && peek().is(Token.Kind.NAME) && peek(1).isOperator(".")) {
            String namespace = expectName();
            next();
            return new Node.Target.NamespaceAttribute(namespace, expectName());
        }
        List<Node.Target> elements = new ArrayList<>();
        elements.add(parseSingleTarget());
        boolean isTuple = false;
        while (skipOperator(",")) {
            isTuple = true;
            if (peek().isName("in") || peek().isOperator("=") || peek().isOperator(")")
                    || peek().is(Token.Kind.BLOCK_END)) {
                break;
            }
            elements.add(parseSingleTarget());
        }
        return isTuple ? new Node.Target.Tuple(elements) : elements.getFirst();
    }

    private Node.Target parseSingleTarget() {
        if (skipOperator("(")) {
            Node.Target inner = parseAssignTarget(false);
            expectOperator(")");
            return inner;
        }
        String name = expectName();
        if (CONSTANT_NAMES.contains(name)) {
            throw error("cannot assign to '" + name + "'");
        }
        return new Node.Target.Name(name);
    }

    private Node parseMacro() {
        String name = expectName();
        List<Node.Parameter> parameters = parseParameters();
        expect(Token.Kind.BLOCK_END);
        // A macro body is its own function: loops around the definition do not enclose it.
        int enclosingLoops = loopDepth;
        loopDepth = 0;
        List<Node> body = parseBody(Set.of("endmacro"));
        loopDepth = enclosingLoops;
        consumeTag("endmacro");
        return new Node.Macro(name, parameters, body);
    }

    private List<Node.Parameter> parseParameters() {
        expectOperator("(");
        List<Node.Parameter> parameters = new ArrayList<>();
        while (!peek().isOperator(")")) {
            if (!parameters.isEmpty()) {
                expectOperator(",");
                if (peek().isOperator(")")) {
                    break;
                }
            }
            String name = expectName();
            Expr defaultValue = skipOperator("=") ? parseExpression(true) : null;
            if (defaultValue == null && !parameters.isEmpty() && parameters.getLast().defaultValue() != null) {
                throw error("parameter without a default follows one with a default");
            }
            parameters.add(new Node.Parameter(name, defaultValue));
        }
        next();
        return parameters;
    }

    private Node parseCallBlock() {
        List<Node.Parameter> callerParameters = peek().isOperator("(") ? parseParameters() : List.of();
        Expr call = parseExpression(true);
        if (!(call instanceof Expr.Call macroCall)) {
            throw error("expected a macro call in call block");
        }
        expect(Token.Kind.BLOCK_END);
        List<Node> body = parseBody(Set.of("endcall"));
        consumeTag("endcall");
        return new Node.CallBlock(macroCall, callerParameters, body);
    }

    private Node parseFilterBlock() {
        List<Expr.FilterSpec> filters = new ArrayList<>();
        filters.add(parseFilterSpec());
        while (skipOperator("|")) {
            filters.add(parseFilterSpec());
        }
        expect(Token.Kind.BLOCK_END);
        List<Node> body = parseBody(Set.of("endfilter"));
        consumeTag("endfilter");
        return new Node.FilterBlock(filters, body);
    }

    // ---- expressions

    /**
     * An expression or a bare tuple {@code a, b}. Without conditional expressions (for and if
     * heads) a following {@code if} belongs to the statement, not to the expression.
     */
    private Expr parseTuple(boolean withConditional, boolean explicitParentheses, String... extraEnds) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (isTupleEnd(extraEnds)) {
                break;
            }
            items.add(parseExpression(withConditional));
            if (peek().isOperator(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!items.isEmpty()) {
                return items.getFirst();
            }
            if (!explicitParentheses) {
                throw error("expected an expression, found " + peek().describe());
            }
        }
        return new Expr.TupleLiteral(items);
    }

    private boolean isTupleEnd(String... extraEnds) {
        Token token = peek();
        if (token.is(Token.Kind.VARIABLE_END) || token.is(Token.Kind.BLOCK_END) || token.is(Token.Kind.EOF)
                || token.isOperator(")")) {
            return true;
        }
        for (String end : extraEnds) {
            if (token.isName(end)) {
                return true;
            }
        }
        return false;
    }

    private Expr parseExpression(boolean withConditional) {
        enter();
        try {
            return withConditional ? parseConditional() : parseOr();
        } finally {
            leave();
        }
    }

    private Expr parseConditional() {
        Expr expr = parseOr();
        while (skipName("if")) {
            Expr condition = parseOr();
            Expr otherwise = skipName("else") ? parseConditional() : null;
            expr = new Expr.Conditional(condition, expr, otherwise);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (skipName("or")) {
            left = new Expr.Logical(false, left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (skipName("and")) {
            left = new Expr.Logical(true, left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (skipName("not")) {
            enter();
            try {
                return new Expr.Unary(Expr.UnaryOp.NOT, parseNot());
            } finally {
                leave();
            }
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        Expr first = parseSum();
        List<Expr.Compare.Comparison> rest = new ArrayList<>();
        while (true) {
            Expr.CompareOp op = comparisonOperator();
            if (op == null) {
                break;
            }
            rest.add(new Expr.Compare.Comparison(op, parseSum()));
        }
        return rest.isEmpty() ? first : new Expr.Compare(first, rest);
    }

    /** Consumes and returns the comparison operator at the cursor, or null when there is none. */
    private Expr.CompareOp comparisonOperator() {
        Token token = peek();
        if (token.is(Token.Kind.OPERATOR)) {
            Expr.CompareOp op = switch ((String) token.value()) {
                case "==" -> Expr.CompareOp.EQ;
                case "!=" -> Expr.CompareOp.NE;
                case "<" -> Expr.CompareOp.LT;
                case "<=" -> Expr.CompareOp.LE;
                case ">" -> Expr.CompareOp.GT;
                case ">=" -> Expr.CompareOp.GE;
                default -> null;
            };
            if (op != null) {
                next();
            }
            return op;
        }
        if (token.isName("in")) {
            next();
            return Expr.CompareOp.IN;
        }
        if (token.isName("not") && peek(1).isName("in")) {
            next();
            next();
            return Expr.CompareOp.NOT_IN;
        }
        return null;
    }

    private Expr parseSum() {
        Expr left = parseConcat();
        while (true) {
            if (skipOperator("+")) {
                left = new Expr.Binary(Expr.BinaryOp.ADD, left, parseConcat());
            } else if (skipOperator("-")) {
                left = new Expr.Binary(Expr.BinaryOp.SUBTRACT, left, parseConcat());
            } else {
                return left;
            }
        }
    }

    private Expr parseConcat() {
        Expr left = parseProduct();
        while (skipOperator("~")) {
            left = new Expr.Binary(Expr.BinaryOp.CONCAT, left, parseProduct());
        }
        return left;
    }

    private Expr parseProduct() {
        Expr left = parsePower();
        while (true) {
            Expr.BinaryOp op = switch (peek().kind() == Token.Kind.OPERATOR ? (String) peek().value() : "") {
                case "*" -> Expr.BinaryOp.MULTIPLY;
                case "/" -> Expr.BinaryOp.DIVIDE;
                case "//" -> Expr.BinaryOp.FLOOR_DIVIDE;
                case "%" -> Expr.BinaryOp.MODULO;
                default -> null;
            };
            if (op == null) {
                return left;
            }
            next();
            left = new Expr.Binary(op, left, parsePower());
        }
    }

    /** jinja2 makes ** left-associative: {@code 2**3**2} is 64. */
    private Expr parsePower() {
        Expr left = parseUnary(true);
        while (skipOperator("**")) {
            left = new Expr.Binary(Expr.BinaryOp.POWER, left, parseUnary(true));
        }
        return left;
    }

    /** Unary minus applies before filters: {@code -x | abs} is {@code (-x) | abs}. */
    private Expr parseUnary(boolean withFilters) {
        enter();
        try {
            Expr node;
            if (skipOperator("-")) {
                node = new Expr.Unary(Expr.UnaryOp.NEGATE, parseUnary(false));
            } else if (skipOperator("+")) {
                node = new Expr.Unary(Expr.UnaryOp.PLUS, parseUnary(false));
            } else {
                node = parsePrimary();
            }
            node = parsePostfix(node);
            return withFilters ? parseFiltersAndTests(node) : node;
        } finally {
            leave();
        }
    }

    private Expr parsePrimary() {
        Token token = next();
        return switch (token.kind()) {
            case NAME -> switch ((String) token.value()) {
                case "true", "True" -> new Expr.Literal(Boolean.TRUE);
                case "false", "False" -> new Expr.Literal(Boolean.FALSE);
                case "none", "None" -> new Expr.Literal(null);
                default -> new Expr.Variable((String) token.value());
            };
            case STRING -> {
                // Adjacent string literals concatenate, as in Python.
                StringBuilder text = new StringBuilder((String) token.value());
                while (peek().is(Token.Kind.STRING)) {
                    text.append((String) next().value());
                }
                yield new Expr.Literal(text.toString());
            }
            case INTEGER, FLOAT -> new Expr.Literal(token.value());
            case OPERATOR -> switch ((String) token.value()) {
                case "(" -> {
                    Expr inner = parseTuple(true, true);
                    expectOperator(")");
                    yield inner;
                }
                case "[" -> new Expr.ListLiteral(parseSequence("]"));
                case "{" -> parseDict();
                default -> throw new TemplateSyntaxException("unexpected " + token.describe(), token.line());
            };
            default -> throw new TemplateSyntaxException("unexpected " + token.describe(), token.line());
        };
    }

    private List<Expr> parseSequence(String close) {
        List<Expr> items = new ArrayList<>();
        while (!skipOperator(close)) {
            if (!items.isEmpty()) {
                expectOperator(",");
                if (skipOperator(close)) {
                    break;
                }
            }
            items.add(parseExpression(true));
        }
        return items;
    }

    private Expr parseDict() {
        List<Expr.DictLiteral.Entry> entries = new ArrayList<>();
        while (!skipOperator("}")) {
            if (!entries.isEmpty()) {
                expectOperator(",");
                if (skipOperator("}")) {
                    break;
                }
            }
            Expr key = parseExpression(true);
            expectOperator(":");
            entries.add(new Expr.DictLiteral.Entry(key, parseExpression(true)));
        }
        return new Expr.DictLiteral(entries);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (skipOperator(".")) {
                Token token = next();
                node = switch (token.kind()) {
                    case NAME -> new Expr.Attribute(node, (String) token.value());
                    case INTEGER -> new Expr.Item(node, new Expr.Literal(token.value()));
                    default -> throw new TemplateSyntaxException("expected an attribute name after '.'", token.line());
                };
            } else if (skipOperator("[")) {
                node = parseSubscript(node);
            } else if (skipOperator("(")) {
                node = new Expr.Call(node, parseCallArguments());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr target) {
        Expr start = null;
        if (!peek().isOperator(":")) {
            start = parseExpression(true);
            if (skipOperator("]")) {
                return new Expr.Item(target, start);
            }
        }
        expectOperator(":");
        Expr stop = peek().isOperator("]") || peek().isOperator(":") ? null : parseExpression(true);
        Expr step = null;
        if (skipOperator(":") && !peek().isOperator("]")) {
            step = parseExpression(true);
        }
        expectOperator("]");
        return new Expr.Slice(target, start, stop, step);
    }

    private Expr parseFiltersAndTests(Expr node) {
        while (true) {
            if (skipOperator("|")) {
                node = new Expr.Filter(node, parseFilterSpec());
            } else if (skipName("is")) {
                node = parseTest(node);
            } else if (skipOperator("(")) {
                node = new Expr.Call(node, parseCallArguments());
            } else {
                return node;
            }
        }
    }

    private Expr.FilterSpec parseFilterSpec() {
        int line = peek().line();
        String name = parseDottedName();
        Expr.Args args = skipOperator("(") ? parseCallArguments() : Expr.Args.NONE;
        return new Expr.FilterSpec(name, args, line);
    }

    private String parseDottedName() {
        StringBuilder name = new StringBuilder(expectName());
        while (peek().isOperator(".") && peek(1).is(Token.Kind.NAME)) {
            next();
            name.append('.').append(expectName());
        }
        return name.toString();
    }

    /** {@code is [not] name}, {@code is name(args)} or jinja2's one-argument form {@code is divisibleby 3}. */
    private Expr parseTest(Expr target) {
        boolean negated = skipName("not");
        String name = parseDottedName();
        Expr.Args args = Expr.Args.NONE;
        Token token = peek();
        if (skipOperator("(")) {
            args = parseCallArguments();
        } else if ((token.is(Token.Kind.NAME) || token.is(Token.Kind.STRING) || token.is(Token.Kind.INTEGER)
                || token.is(Token.Kind.FLOAT) || token.isOperator("[") || token.isOperator("{"))
                && !token.isName("else") && !token.isName("or") && !token.isName("and")) {
            if (token.isName("is")) {
                throw error("you cannot chain multiple tests with is");
            }
            args = new Expr.Args(List.of(parsePostfix(parsePrimary())), List.of());
        }
        return new Expr.Test(target, name, args, negated);
    }

    private Expr.Args parseCallArguments() {
        List<Expr> positional = new ArrayList<>();
        List<Expr.Args.Keyword> keyword = new ArrayList<>();
        while (!skipOperator(")")) {
            if (!positional.isEmpty() || !keyword.isEmpty()) {
                expectOperator(",");
                if (skipOperator(")")) {
                    break;
                }
            }
            if (peek().isOperator("*") || peek().isOperator("**")) {
                throw error("*args and **kwargs in calls are not supported");
            }
            if (peek().is(Token.Kind.NAME) && peek(1).isOperator("=")) {
                String name = expectName();
                next();
                keyword.add(new Expr.Args.Keyword(name, parseExpression(true)));
            } else {
                if (!keyword.isEmpty()) {
                    throw error("positional argument follows keyword argument");
                }
                positional.add(parseExpression(true));
            }
        }
        return new Expr.Args(positional, keyword);
    }
}
