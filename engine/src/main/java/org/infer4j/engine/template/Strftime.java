package org.infer4j.engine.template;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code strftime} directives in the C locale, for {@code strftime_now("%d %b %Y")}.
 * Supports the glibc {@code %-d} form (no padding) that Python on Linux passes through.
 */
final class Strftime {

    private Strftime() {
    }

    static String format(String pattern, ZonedDateTime time) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                out.append(c);
                continue;
            }
            char directive = pattern.charAt(++i);
            boolean unpadded = false;
            if (directive == '-' && i + 1 < pattern.length()) {
                unpadded = true;
                directive = pattern.charAt(++i);
            }
            out.append(directive(directive, time, unpadded));
        }
        return out.toString();
    }

    private static String directive(char directive, ZonedDateTime t, boolean unpadded) {
        return switch (directive) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'd' -> pad(t.getDayOfMonth(), 2, unpadded);
            case 'e' -> String.format("%2d", t.getDayOfMonth());
            case 'm' -> pad(t.getMonthValue(), 2, unpadded);
            case 'y' -> pad(t.getYear() % 100, 2, unpadded);
            case 'Y' -> Integer.toString(t.getYear());
            case 'H' -> pad(t.getHour(), 2, unpadded);
            case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, unpadded);
            case 'M' -> pad(t.getMinute(), 2, unpadded);
            case 'S' -> pad(t.getSecond(), 2, unpadded);
            case 'f' -> String.format("%06d", t.getNano() / 1000);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'j' -> pad(t.getDayOfYear(), 3, unpadded);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'z' -> t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", "");
            case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'F' -> format("%Y-%m-%d", t);
            case 'T' -> format("%H:%M:%S", t);
            case 'D' -> format("%m/%d/%y", t);
            case 'R' -> format("%H:%M", t);
            case 'c' -> format("%a %b %e %H:%M:%S %Y", t);
            case 'x' -> format("%m/%d/%y", t);
            case 'X' -> format("%H:%M:%S", t);
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            default -> throw new TemplateRenderException("unsupported strftime directive '%" + directive + "'");
        };
    }

    private static String pad(int value, int width, boolean unpadded) {
        return unpadded ? Integer.toString(value) : String.format("%0" + width + "d", value);
    }
}
