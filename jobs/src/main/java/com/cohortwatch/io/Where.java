package com.cohortwatch.io;

import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * A predicate over a warehouse table's columns, built from typed values: Delta's {@code
 * replaceWhere} and {@code DELETE} take SQL text, and building that text by hand in each caller put
 * quoting in many places. The text is the same as those callers wrote ({@code run_date =
 * '2026-11-20'}), so Delta's checks and the run's log read as before.
 */
public final class Where {
  private final String sql;

  private Where(String sql) {
    this.sql = sql;
  }

  /** The rows whose {@code column} is {@code day}. */
  public static Where equal(String column, LocalDate day) {
    return new Where(column + " = " + literal(day));
  }

  /** The rows whose {@code column} is {@code value}. */
  public static Where equal(String column, String value) {
    return new Where(column + " = " + literal(value));
  }

  /** The rows whose {@code column} is before {@code day}. */
  public static Where before(String column, LocalDate day) {
    return new Where(column + " < " + literal(day));
  }

  /** The rows whose {@code column} is one of {@code days} (at least one). */
  public static Where in(String column, Collection<LocalDate> days) {
    if (days.isEmpty()) {
      throw new IllegalArgumentException("no days for " + column + " IN (...)");
    }
    return new Where(
        days.stream().map(Where::literal).collect(Collectors.joining(", ", column + " IN (", ")")));
  }

  /** The rows both match. */
  public Where and(Where other) {
    return new Where("(" + sql + " AND " + other.sql + ")");
  }

  /** The rows any of {@code parts} matches (at least one). */
  public static Where anyOf(List<Where> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("no predicates to join with OR");
    }
    return new Where(parts.stream().map(w -> w.sql).collect(Collectors.joining(" OR ")));
  }

  /** The SQL text, for Delta. */
  public String sql() {
    return sql;
  }

  /** The same predicate as a filter. */
  public Column column() {
    return functions.expr(sql);
  }

  @Override
  public String toString() {
    return sql;
  }

  private static String literal(LocalDate day) {
    return "'" + day + "'";
  }

  /** A SQL string literal: Spark reads a backslash as an escape, so both it and quotes are. */
  private static String literal(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
