package com.cohortwatch.detect;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import scala.collection.Seq;

/**
 * The working-hours fit: which UTC offset makes an hour-of-day profile look like a working day.
 * Operators who claim New York but log in 00:00-09:00 UTC every day fit a UTC+9 office day far
 * better than a New York one.
 */
public final class WorkingHours {
  private WorkingHours() {}

  /** Local hours [start, end) that count as a working day (long freelance days: 8:00 to 20:00). */
  static final int DAY_START = 8;

  static final int DAY_END = 20;

  static final double MID_DAY = (DAY_START + DAY_END) / 2.0;

  static double circularMeanHour(long[] hours) {
    double x = 0;
    double y = 0;
    for (int h = 0; h < 24; h++) {
      double angle = 2 * Math.PI * h / 24;
      x += hours[h] * Math.cos(angle);
      y += hours[h] * Math.sin(angle);
    }
    double angle = Math.atan2(y, x);
    return Math.floorMod((long) Math.round(angle / (2 * Math.PI) * 24 * 1000), 24_000) / 1000.0;
  }

  /** Signed difference a - b in hours around the clock, in [-12, 12). */
  static double circularDiff(double a, double b) {
    double d = (a - b) % 24;
    if (d < -12) {
      d += 24;
    } else if (d >= 12) {
      d -= 24;
    }
    return d;
  }

  /** The result: best offset, its fit, and the claimed timezone's offset and fit. */
  public record Fit(int bestOffset, double bestFit, Integer claimedOffset, Double claimedFit) {}

  /** Share of logins inside the working day when local time is UTC + offset hours. */
  static double fitAt(long[] hours, long total, int offset) {
    long inside = 0;
    for (int h = 0; h < 24; h++) {
      int local = Math.floorMod(h + offset, 24);
      if (local >= DAY_START && local < DAY_END) {
        inside += hours[h];
      }
    }
    return total == 0 ? 0 : (double) inside / total;
  }

  /**
   * @param hours 24 login counts by UTC hour
   * @param claimedZone IANA zone or null
   * @param onDate the date whose offset (DST) applies
   */
  public static Fit fit(long[] hours, String claimedZone, LocalDate onDate) {
    long total = 0;
    for (long h : hours) {
      total += h;
    }
    Integer claimed = claimedOffset(claimedZone, onDate);
    double mean = circularMeanHour(hours);
    int best = 0;
    double bestFit = -1;
    double bestCentre = Double.MAX_VALUE;
    for (int offset = -12; offset <= 14; offset++) {
      double f = fitAt(hours, total, offset);
      // Among equally good offsets, the one that puts the login mass mid-day (14:00) wins.
      double centre = Math.abs(circularDiff(mean + offset, MID_DAY));
      if (f > bestFit + 1e-9 || (Math.abs(f - bestFit) <= 1e-9 && centre < bestCentre)) {
        best = offset;
        bestFit = f;
        bestCentre = centre;
      }
    }
    Double claimedFit = claimed == null ? null : fitAt(hours, total, claimed);
    return new Fit(best, Math.max(0, bestFit), claimed, claimedFit);
  }

  /** Whole-hour UTC offset of a zone on a date (DST-aware); null for an unknown zone. */
  public static Integer claimedOffset(String zone, LocalDate onDate) {
    if (zone == null || zone.isBlank()) {
      return null;
    }
    try {
      ZoneOffset offset =
          ZoneId.of(zone.strip())
              .getRules()
              .getOffset(onDate.atStartOfDay().toInstant(ZoneOffset.UTC));
      return Math.round(offset.getTotalSeconds() / 3600f);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /** Hours between two offsets around the clock (0..12). */
  public static int distance(int a, int b) {
    int d = Math.floorMod(a - b, 24);
    return Math.min(d, 24 - d);
  }

  static long[] toArray(Seq<Object> seq) {
    long[] out = new long[24];
    if (seq == null) {
      return out;
    }
    for (int i = 0; i < Math.min(24, seq.size()); i++) {
      Object v = seq.apply(i);
      out[i] = v == null ? 0 : ((Number) v).longValue();
    }
    return out;
  }
}
