package com.cohortwatch.ingest;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.regex.Pattern;

/**
 * Parses the contract's timestamps: ISO-8601 with `Z` or a numeric offset, nothing else. A text in
 * ISO shape that names a date or time that does not exist is "impossible", anything else that does
 * not parse is "invalid": the two are told apart so the quarantine says which.
 */
public final class Timestamps {
  private Timestamps() {}

  /** The outcome of parsing one text: an instant, or the reason it has none. */
  public record Parsed(Instant instant, String problem) {
    static Parsed ok(Instant instant) {
      return new Parsed(instant, null);
    }

    static Parsed problem(String reason) {
      return new Parsed(null, reason);
    }
  }

  private static final DateTimeFormatter STRICT =
      DateTimeFormatter.ISO_OFFSET_DATE_TIME.withResolverStyle(ResolverStyle.STRICT);

  /** yyyy-mm-ddThh:mm[:ss[.fff]] followed by Z or ±hh:mm: the shape, not the validity. */
  private static final Pattern ISO_SHAPE =
      Pattern.compile(
          "\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?([Zz]|[+-]\\d{2}:?\\d{2})");

  public static Parsed parse(String text) {
    if (text == null || text.isBlank()) {
      return Parsed.problem(Reasons.MISSING_REQUIRED_FIELD);
    }
    String trimmed = text.strip();
    if (!ISO_SHAPE.matcher(trimmed).matches()) {
      return Parsed.problem(Reasons.INVALID_TIMESTAMP);
    }
    String normalized = normalizeShape(trimmed);
    try {
      return Parsed.ok(OffsetDateTime.parse(normalized, STRICT).toInstant());
    } catch (DateTimeParseException e) {
      return Parsed.problem(Reasons.IMPOSSIBLE_TIMESTAMP);
    } catch (DateTimeException e) {
      return Parsed.problem(Reasons.IMPOSSIBLE_TIMESTAMP);
    }
  }

  /** Space or lower-case separators and `+0900` offsets are common in exports; accept them. */
  private static String normalizeShape(String s) {
    String out = s;
    if (out.charAt(10) == ' ' || out.charAt(10) == 't') {
      out = out.substring(0, 10) + 'T' + out.substring(11);
    }
    if (out.endsWith("z")) {
      out = out.substring(0, out.length() - 1) + 'Z';
    }
    int len = out.length();
    if (len > 5) {
      char sign = out.charAt(len - 5);
      if ((sign == '+' || sign == '-')
          && out.substring(len - 4).chars().allMatch(Character::isDigit)) {
        out = out.substring(0, len - 2) + ':' + out.substring(len - 2);
      }
    }
    return out;
  }
}
