package com.cohortwatch.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimestampsTest {

  @Test
  void zuluAndOffsetNameTheSameInstant() {
    Timestamps.Parsed z = Timestamps.parse("2026-11-03T01:00:00Z");
    Timestamps.Parsed tokyo = Timestamps.parse("2026-11-03T10:00:00+09:00");
    assertThat(z.instant()).isEqualTo(Instant.parse("2026-11-03T01:00:00Z"));
    assertThat(tokyo.instant()).isEqualTo(z.instant());
    assertThat(Timestamps.parse("2026-11-03T10:00:00+0900").instant()).isEqualTo(z.instant());
    assertThat(Timestamps.parse("2026-11-03 01:00:00.123456Z").instant())
        .isEqualTo(Instant.parse("2026-11-03T01:00:00.123456Z"));
  }

  @Test
  void dateThatDoesNotExistIsImpossible() {
    assertThat(Timestamps.parse("2026-02-30T10:00:00Z").problem())
        .isEqualTo(Reasons.IMPOSSIBLE_TIMESTAMP);
    assertThat(Timestamps.parse("2026-13-01T00:00:00Z").problem())
        .isEqualTo(Reasons.IMPOSSIBLE_TIMESTAMP);
    assertThat(Timestamps.parse("2026-11-03T25:10:00Z").problem())
        .isEqualTo(Reasons.IMPOSSIBLE_TIMESTAMP);
    assertThat(Timestamps.parse("2024-02-29T10:00:00Z").problem()).isNull();
  }

  @Test
  void unzonedOrGarbledIsInvalid() {
    for (String bad :
        new String[] {"yesterday", "2026/11/03 10:00", "1700000000", "2026-11-03T10:00:00"}) {
      assertThat(Timestamps.parse(bad).problem()).as(bad).isEqualTo(Reasons.INVALID_TIMESTAMP);
    }
  }

  @Test
  void emptyIsMissing() {
    assertThat(Timestamps.parse("").problem()).isEqualTo(Reasons.MISSING_REQUIRED_FIELD);
    assertThat(Timestamps.parse("   ").problem()).isEqualTo(Reasons.MISSING_REQUIRED_FIELD);
    assertThat(Timestamps.parse(null).problem()).isEqualTo(Reasons.MISSING_REQUIRED_FIELD);
  }

  @Test
  void surroundingWhitespaceIsAccepted() {
    assertThat(Timestamps.parse("  2026-11-03T01:00:00Z ").instant())
        .isEqualTo(Instant.parse("2026-11-03T01:00:00Z"));
  }
}
