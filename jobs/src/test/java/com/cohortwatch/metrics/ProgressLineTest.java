package com.cohortwatch.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.testing.SharedSpark;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Progress lines: the stage's place among the previous run's stages and the time left. */
class ProgressLineTest {
  private static Map<String, Double> previous() {
    Map<String, Double> p = new LinkedHashMap<>();
    p.put("ingest", 10.0);
    p.put("rollups", 4.0);
    p.put("enrich", 2.0);
    p.put("link", 20.0);
    p.put("cluster", 8.0);
    p.put("publish", 6.0);
    return p;
  }

  @Test
  void withoutAPreviousRunALineSaysTheStageAndTheTimeElapsed() {
    RunMetrics m = new RunMetrics(LocalDate.of(2026, 11, 20), "run");
    assertThat(m.progressLine("ingest", 0.2)).isEqualTo("stage 1 ingest, 0 s elapsed");
  }

  @Test
  void theEstimateIsThePreviousRunsRemainingStagesAtThisRunsPace() {
    RunMetrics m = new RunMetrics(LocalDate.of(2026, 11, 20), "run");
    m.expectStages(previous());
    assertThat(m.progressLine("ingest", 0.0))
        .isEqualTo("stage 1/6 ingest, 0 s elapsed, about 50 s left");
    // the first three stages took twice as long as last time: the rest is estimated at 2x
    m.stageDone("ingest", 20.0);
    m.stageDone("rollups", 8.0);
    m.stageDone("enrich", 4.0);
    assertThat(m.progressLine("link", 32.4))
        .isEqualTo("stage 4/6 link, 32 s elapsed, about 68 s left");
  }

  @Test
  void aStageTheLastRunDidNotHaveCountsToo() {
    RunMetrics m = new RunMetrics(LocalDate.of(2026, 11, 20), "run");
    m.expectStages(previous());
    m.stageDone("ingest", 9.0);
    assertThat(m.progressLine("feedback", 9.0))
        .isEqualTo("stage 2/7 feedback, 9 s elapsed, about 36 s left");
  }

  @Test
  void aTimedStageCountsAsDone() {
    RunMetrics m = new RunMetrics(LocalDate.of(2026, 11, 20), "run");
    m.expectStages(previous());
    m.stage(SharedSpark.spark(), "ingest", () -> {});
    assertThat(m.progressLine("rollups", 1)).startsWith("stage 2/6 rollups, 1 s elapsed, about ");
  }
}
