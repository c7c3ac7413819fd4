package com.cohortwatch.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Escaping and number formatting for the report; everything that came from data goes through it.
 */
final class Html {
  private Html() {}

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** Text safe in element content and in quoted attribute values; null is empty. */
  static String escape(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> {
          // Control characters other than tab and newline have no business in a page.
          if (c < 0x20 && c != '\t' && c != '\n') {
            sb.append('\uFFFD');
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  /** At most {@code max} characters of {@code s}, with an ellipsis when cut (not yet escaped). */
  static String shorten(String s, int max) {
    if (s == null) {
      return "";
    }
    return s.length() <= max ? s : s.substring(0, Math.max(1, max - 1)) + "\u2026";
  }

  /** A CSS class name made from data: lower-case letters, digits, '-' and '_' only. */
  static String cssToken(String s) {
    if (s == null || s.isEmpty()) {
      return "none";
    }
    return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-");
  }

  static String num(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String percent(double share) {
    return String.format(Locale.ROOT, "%.0f %%", share * 100);
  }

  static String time(Instant t) {
    return t == null ? "" : TIME.format(t);
  }
}
