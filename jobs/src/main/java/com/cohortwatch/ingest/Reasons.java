package com.cohortwatch.ingest;

/** Quarantine reason codes: one per rejected record, stable for analysts' queries. */
public final class Reasons {
  private Reasons() {}

  /** The line is not valid JSON / CSV (truncated, garbled). */
  public static final String UNPARSEABLE_RECORD = "unparseable_record";

  /** A required column is absent, null or blank; `detail` names it. */
  public static final String MISSING_REQUIRED_FIELD = "missing_required_field";

  /** `ip` (or `network`) is not a valid IPv4 / IPv6 address (CIDR). */
  public static final String INVALID_IP = "invalid_ip";

  /** A timestamp that is not ISO-8601 with `Z` or an offset. */
  public static final String INVALID_TIMESTAMP = "invalid_timestamp";

  /** ISO-8601 in shape but names a date or time that does not exist (2026-02-30, 25:00). */
  public static final String IMPOSSIBLE_TIMESTAMP = "impossible_timestamp";

  /** An event later than the end of the run date plus the allowed clock skew. */
  public static final String FUTURE_TIMESTAMP = "future_timestamp";

  /** A typed column (Parquet) whose type cannot be read as the contract's type. */
  public static final String WRONG_TYPE = "wrong_type";

  /** A value outside the contract's domain (decision not confirmed/cleared, bad country code). */
  public static final String INVALID_VALUE = "invalid_value";

  /**
   * Bytes that are not UTF-8: decoding would turn them into U+FFFD, so two different device ids
   * would become one (a false link).
   */
  public static final String INVALID_ENCODING = "invalid_encoding";

  /** A record longer than {@code InputReader.MAX_RECORD_CHARS}: quarantined with its text cut. */
  public static final String OVERLONG_RECORD = "overlong_record";

  /** A whole file that cannot be read (not its format, truncated, mistyped): one row per file. */
  public static final String UNREADABLE_FILE = "unreadable_file";
}
