package com.cohortwatch.values;

/**
 * A whole-hour UTC offset as people read it. Detection names a cluster's working hours with it and
 * the report prints them, so the two always say the same thing.
 */
public final class UtcOffset {
  private UtcOffset() {}

  /** "UTC+9", "UTC-5", "UTC". */
  public static String label(int offset) {
    return offset == 0 ? "UTC" : offset > 0 ? "UTC+" + offset : "UTC" + offset;
  }
}
