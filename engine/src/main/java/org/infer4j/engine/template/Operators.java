package org.infer4j.engine.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Python arithmetic and comparison: int stays int (bool counts as int) until a float or true
 * division is involved, {@code //} and {@code %} floor towards negative infinity, {@code +}
 * concatenates strings and lists but refuses mixing them, {@code ~} concatenates anything as text.
 */
final class Operators {

    private Operators() {
    }

    static Object binary(Expr.BinaryOp op, Object a, Object b) {
        if (op == Expr.BinaryOp.CONCAT) {
            return PyValues.str(a) + PyValues.str(b);
        }
        if (a instanceof Undefined undefined) {
            throw undefined.error();
        }
        if (b instanceof Undefined undefined) {
            throw undefined.error();
        }
        boolean numeric = PyValues.isNumber(a) && PyValues.isNumber(b);
        boolean floating = numeric && (a instanceof Double || b instanceof Double);
        return switch (op) {
            case ADD -> {
                if (numeric) {
                    yield floating ? (Object) (PyValues.toDouble(a) + PyValues.toDouble(b)) : (Object) exact(() -> Math.addExact(PyValues.toLong(a), PyValues.toLong(b)));
                }
                if (a instanceof String x && b instanceof String y) {
                    yield x + y;
                }
                if (a instanceof List<?> x && b instanceof List<?> y) {
                    List<Object> joined = new ArrayList<>(x);
                    joined.addAll(y);
                    yield a instanceof PyTuple ? new PyTuple(joined) : joined;
                }
                throw unsupported("+", a, b);
            }
            case SUBTRACT -> {
                requireNumbers("-", a, b);
                yield floating ? (Object) (PyValues.toDouble(a) - PyValues.toDouble(b)) : (Object) exact(() -> Math.subtractExact(PyValues.toLong(a), PyValues.toLong(b)));
            }
            case MULTIPLY -> {
                if (numeric) {
                    yield floating ? (Object) (PyValues.toDouble(a) * PyValues.toDouble(b)) : (Object) exact(() -> Math.multiplyExact(PyValues.toLong(a), PyValues.toLong(b)));
                }
                yield repeat(a, b);
            }
            case DIVIDE -> {
                requireNumbers("/", a, b);
                yield PyValues.toDouble(a) / nonZero(PyValues.toDouble(b));
            }
            case FLOOR_DIVIDE -> {
                requireNumbers("//", a, b);
                yield floating
                        ? (Object) Math.floor(PyValues.toDouble(a) / nonZero(PyValues.toDouble(b)))
                        : (Object) Math.floorDiv(PyValues.toLong(a), (long) nonZero(PyValues.toLong(b)));
            }
            case MODULO -> {
                if (a instanceof String format) {
                    yield PyFormat.percent(format, b);
                }
                requireNumbers("%", a, b);
                if (floating) {
                    double divisor = nonZero(PyValues.toDouble(b));
                    double remainder = PyValues.toDouble(a) % divisor;
                    yield remainder != 0 && (remainder < 0) != (divisor < 0) ? remainder + divisor : remainder;
                }
                yield Math.floorMod(PyValues.toLong(a), (long) nonZero(PyValues.toLong(b)));
            }
            case POWER -> {
                requireNumbers("**", a, b);
                yield power(a, b);
            }
            case CONCAT -> throw new IllegalStateException("handled above");
        };
    }

    private static Object power(Object base, Object exponent) {
        if (base instanceof Double || exponent instanceof Double || PyValues.toLong(exponent) < 0) {
            double b = PyValues.toDouble(base);
            if (b == 0 && PyValues.toDouble(exponent) < 0) {
                throw new TemplateRenderException("0.0 cannot be raised to a negative power");
            }
            return Math.pow(b, PyValues.toDouble(exponent));
        }
        // Exponentiation by squaring, failing on overflow rather than wrapping.
        long factor = PyValues.toLong(base);
        long e = PyValues.toLong(exponent);
        long result = 1;
        while (e > 0) {
            if ((e & 1) == 1) {
                long current = result;
                long f = factor;
                result = exact(() -> Math.multiplyExact(current, f));
            }
            e >>= 1;
            if (e > 0) {
                long f = factor;
                factor = exact(() -> Math.multiplyExact(f, f));
            }
        }
        return result;
    }

    private static Object repeat(Object a, Object b) {
        if (a instanceof Long || a instanceof Boolean) {
            return repeat(b, a);
        }
        if (!(b instanceof Long || b instanceof Boolean)) {
            throw unsupported("*", a, b);
        }
        long times = PyValues.toLong(b);
        return switch (a) {
            case String s -> PyStrings.repeat(s, times);
            case List<?> list -> {
                if (times * list.size() > Renderer.MAX_OUTPUT_CHARS) {
                    throw new TemplateRenderException("list repetition too large");
                }
                List<Object> repeated = new ArrayList<>();
                for (long i = 0; i < times; i++) {
                    repeated.addAll(list);
                }
                yield a instanceof PyTuple ? new PyTuple(repeated) : repeated;
            }
            default -> throw unsupported("*", a, b);
        };
    }

    static Object negate(Object value) {
        return switch (value) {
            case Long l -> exact(() -> Math.negateExact(l));
            case Double d -> -d;
            case Boolean b -> b ? -1L : 0L;
            case Undefined u -> throw u.error();
            case null, default -> throw new TemplateRenderException(
                    "bad operand type for unary -: '" + PyValues.typeName(value) + "'");
        };
    }

    static Object plus(Object value) {
        return switch (value) {
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b ? 1L : 0L;
            case Undefined u -> throw u.error();
            case null, default -> throw new TemplateRenderException(
                    "bad operand type for unary +: '" + PyValues.typeName(value) + "'");
        };
    }

    static boolean compare(Expr.CompareOp op, Object a, Object b) {
        return switch (op) {
            case EQ -> PyValues.equal(a, b);
            case NE -> !PyValues.equal(a, b);
            case LT -> PyValues.compare(a, b) < 0;
            case LE -> PyValues.compare(a, b) <= 0;
            case GT -> PyValues.compare(a, b) > 0;
            case GE -> PyValues.compare(a, b) >= 0;
            case IN -> PyValues.contains(b, a);
            case NOT_IN -> !PyValues.contains(b, a);
        };
    }

    private static void requireNumbers(String op, Object a, Object b) {
        if (!PyValues.isNumber(a) || !PyValues.isNumber(b)) {
            throw unsupported(op, a, b);
        }
    }

    private static TemplateRenderException unsupported(String op, Object a, Object b) {
        if (op.equals("+") && a instanceof String) {
            return new TemplateRenderException("can only concatenate str (not \"" + PyValues.typeName(b) + "\") to str");
        }
        return new TemplateRenderException("unsupported operand type(s) for " + op + ": '"
                + PyValues.typeName(a) + "' and '" + PyValues.typeName(b) + "'");
    }

    private static double nonZero(double divisor) {
        if (divisor == 0) {
            throw new TemplateRenderException("division by zero");
        }
        return divisor;
    }

    private static long nonZero(long divisor) {
        if (divisor == 0) {
            throw new TemplateRenderException("integer division or modulo by zero");
        }
        return divisor;
    }

    /** Python ints do not overflow; ours are 64-bit, so overflow is reported instead of wrapping. */
    private static long exact(java.util.function.LongSupplier operation) {
        try {
            return operation.getAsLong();
        } catch (ArithmeticException e) {
            throw new TemplateRenderException("integer overflow");
        }
    }
}
