package com.cohortwatch.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs that cannot succeed fail with one clear sentence and publish nothing. */
class RunFailuresTest {
  @TempDir Path dir;

  private RunConfig config(Path input) {
    return new RunConfig(
        input.toString(),
        dir.resolve("wh").toString(),
        LocalDate.of(2026, 11, 20),
        30,
        Settings.resolve(
            null, Map.of("privacy.hmac-key", "run-failures-test-key-32-bytes-or-more")),
        false);
  }

  @Test
  void missingInputFolder() {
    assertThatThrownBy(() -> NightlyRun.run(SharedSpark.spark(), config(dir.resolve("nope"))))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void requiredTableWithoutFiles() throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in.resolve("logins/date=2026-11-20"));
    Files.writeString(
        in.resolve("logins/date=2026-11-20/p.jsonl"),
        "{\"account_id\":\"a\",\"event_time\":\"2026-11-20T01:00:00Z\",\"ip\":\"198.51.100.1\"}\n");
    assertThatThrownBy(() -> NightlyRun.run(SharedSpark.spark(), config(in)))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("required input table accounts has no files");
  }

  @Test
  void tooManyBadRecordsPublishNothing() throws IOException {
    Path in = dir.resolve("in");
    Files.createDirectories(in.resolve("accounts"));
    Files.writeString(in.resolve("accounts/a.jsonl"), "{\"account_id\":\"a\"}\n");
    Files.createDirectories(in.resolve("logins/date=2026-11-20"));
    Files.writeString(
        in.resolve("logins/date=2026-11-20/p.jsonl"),
        "{\"account_id\":\"a\",\"event_time\":\"2026-11-20T01:00:00Z\",\"ip\":\"198.51.100.1\"}\n"
            + "{\"account_id\":\"a\",\"event_time\":\"2026-11-20T01:00:00Z\",\"ip\":\"999.1.1.1\"}\n");
    assertThatThrownBy(() -> NightlyRun.run(SharedSpark.spark(), config(in)))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("input table logins: 1 of 2 records (50.0%) are invalid")
        .hasMessageContaining("invalid_ip=1")
        .hasMessageContaining("nothing was published");
    Warehouse w = new Warehouse(SharedSpark.spark(), dir.resolve("wh").toString());
    assertThat(w.exists("logins")).isFalse();
    assertThat(w.exists("account_risk")).isFalse();
    // The run's two rows, in no particular order: the one written at its start, and its failure.
    assertThat(
            w.read("run_metrics").select("status").collectAsList().stream()
                .map(r -> r.getString(0)))
        .containsExactlyInAnyOrder("started", "failed");
  }
}
