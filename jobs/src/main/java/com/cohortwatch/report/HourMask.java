package com.cohortwatch.report;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Which UTC hours of the day fall inside a local office day, for the heatmap's timezone rows: a
 * member claiming New York works 09:00-18:00 New York time, which on a November day is 14-22 UTC.
 */
final class HourMask {
  private HourMask() {}

  /** The office day the heatmap marks: local hours [9, 18). */
  static final int DAY_START = 9;

  static final int DAY_END = 18;

  /**
   * UTC hours whose start falls in [fromLocal:00, toLocal:00) local time in {@code zone} on {@code
   * date} (daylight saving as on that date); null for a blank or unknown zone.
   */
  static boolean[] forZone(String zone, LocalDate date, int fromLocal, int toLocal) {
    if (zone == null || zone.isBlank()) {
      return null;
    }
    ZoneId id;
    try {
      id = ZoneId.of(zone.strip());
    } catch (DateTimeException e) {
      return null;
    }
    boolean[] mask = new boolean[24];
    for (int h = 0; h < 24; h++) {
      LocalTime local =
          date.atTime(h, 0).atOffset(ZoneOffset.UTC).atZoneSameInstant(id).toLocalTime();
      mask[h] = inside(local, fromLocal, toLocal);
    }
    return mask;
  }

  /** UTC hours in [fromLocal, toLocal) local time at a fixed whole-hour offset from UTC. */
  static boolean[] forOffset(int offsetHours, int fromLocal, int toLocal) {
    boolean[] mask = new boolean[24];
    for (int h = 0; h < 24; h++) {
      mask[h] = inside(LocalTime.of(Math.floorMod(h + offsetHours, 24), 0), fromLocal, toLocal);
    }
    return mask;
  }

  private static boolean inside(LocalTime local, int fromLocal, int toLocal) {
    LocalTime from = LocalTime.of(fromLocal, 0);
    return fromLocal <= toLocal
        ? !local.isBefore(from) && (toLocal == 24 || local.isBefore(LocalTime.of(toLocal, 0)))
        : !local.isBefore(from) || local.isBefore(LocalTime.of(toLocal, 0));
  }

  /** Share of the logins that fall in the marked hours (0 when there are none). */
  static double share(long[] byHour, boolean[] mask) {
    long in = 0;
    long all = 0;
    for (int h = 0; h < 24; h++) {
      all += byHour[h];
      if (mask[h]) {
        in += byHour[h];
      }
    }
    return all == 0 ? 0 : (double) in / all;
  }
}
