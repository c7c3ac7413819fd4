package com.cohortwatch.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.testing.SharedSpark;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class WhereTest {
  static final LocalDate D1 = LocalDate.of(2026, 11, 19);
  static final LocalDate D2 = LocalDate.of(2026, 11, 20);

  @Test
  void writesTheTextTheCallersWroteByHand() {
    // Delta logs this text with each commit and the run's log repeats it: it must not change.
    assertThat(Where.equal("run_date", D2).sql()).isEqualTo("run_date = '2026-11-20'");
    assertThat(Where.before("event_date", D1).sql()).isEqualTo("event_date < '2026-11-19'");
    assertThat(Where.in("landed_date", List.of(D1, D2)).sql())
        .isEqualTo("landed_date IN ('2026-11-19', '2026-11-20')");
    assertThat(
            Where.anyOf(
                    List.of(
                        Where.equal("source_table", "logins")
                            .and(Where.in("source_partition", List.of(D2))),
                        Where.equal("source_table", "accounts").and(Where.equal("run_date", D2))))
                .sql())
        .isEqualTo(
            "(source_table = 'logins' AND source_partition IN ('2026-11-20'))"
                + " OR (source_table = 'accounts' AND run_date = '2026-11-20')");
  }

  @Test
  void aQuoteInAValueStaysInsideTheValue() {
    Dataset<Row> rows =
        SharedSpark.spark()
            .createDataset(List.of("a", "b", "x' OR 'x'='x", "back\\slash"), Encoders.STRING())
            .toDF("v");
    assertThat(rows.filter(Where.equal("v", "x' OR 'x'='x").column()).count()).isEqualTo(1);
    assertThat(rows.filter(Where.equal("v", "a' OR 'x'='x").column()).count()).isZero();
    assertThat(rows.filter(Where.equal("v", "back\\slash").column()).count()).isEqualTo(1);
    assertThat(rows.filter(Where.equal("v", "a").column()).count()).isEqualTo(1);
  }

  @Test
  void refusesAnEmptyListRatherThanMatchingNothingOrEverything() {
    assertThatThrownBy(() -> Where.in("event_date", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Where.anyOf(List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
