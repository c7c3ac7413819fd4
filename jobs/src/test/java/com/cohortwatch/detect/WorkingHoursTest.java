package com.cohortwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class WorkingHoursTest {

  private static long[] loginsBetweenUtc(int fromHour, int toHourExclusive) {
    long[] hours = new long[24];
    for (int h = fromHour; h < toHourExclusive; h++) {
      hours[h] = 5;
    }
    return hours;
  }

  @Test
  void pyongyangShiftClaimingNewYorkIsFarFromClaimedOffset() {
    // 00:00-09:00 UTC is 09:00-18:00 in UTC+9.
    WorkingHours.Fit fit =
        WorkingHours.fit(loginsBetweenUtc(0, 9), "America/New_York", LocalDate.of(2026, 11, 20));
    assertThat(WorkingHours.distance(fit.bestOffset(), 9)).isLessThanOrEqualTo(1);
    assertThat(fit.bestFit()).isEqualTo(1.0);
    assertThat(fit.claimedOffset()).isEqualTo(-5);
    assertThat(fit.claimedFit()).isLessThan(0.2);
  }

  @Test
  void claimedOffsetFollowsDaylightSaving() {
    assertThat(WorkingHours.claimedOffset("America/New_York", LocalDate.of(2026, 7, 1)))
        .isEqualTo(-4);
    assertThat(WorkingHours.claimedOffset("America/New_York", LocalDate.of(2026, 12, 1)))
        .isEqualTo(-5);
    assertThat(WorkingHours.claimedOffset("Not/AZone", LocalDate.of(2026, 12, 1))).isNull();
  }

  @Test
  void localWorkerFitsTheirOwnZone() {
    // 14:00-22:00 UTC is 09:00-17:00 in New York in winter.
    WorkingHours.Fit fit =
        WorkingHours.fit(loginsBetweenUtc(14, 22), "America/New_York", LocalDate.of(2026, 12, 1));
    assertThat(fit.claimedFit()).isEqualTo(1.0);
    assertThat(WorkingHours.distance(fit.bestOffset(), -5)).isLessThanOrEqualTo(3);
  }

  @Test
  void distanceWrapsAroundTheClock() {
    assertThat(WorkingHours.distance(9, -5)).isEqualTo(10);
    assertThat(WorkingHours.distance(12, -12)).isEqualTo(0);
    assertThat(WorkingHours.distance(-1, 1)).isEqualTo(2);
  }
}
