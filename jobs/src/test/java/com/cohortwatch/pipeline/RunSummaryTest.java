package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.metrics.RunSummaryJson;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * `--summary-json` and the progress estimates, on the run_metrics of the sample warehouse's two
 * nights: the JSON says what the row says, and the next run estimates from the newest success.
 */
class RunSummaryTest {
  private static Row lastSucceeded(Warehouse warehouse) {
    return warehouse
        .read(TableNames.RUN_METRICS)
        .filter(col(Schemas.STATUS).equalTo(RunMetrics.SUCCEEDED))
        .orderBy(col(Schemas.FINISHED_AT).desc())
        .first();
  }

  @Test
  void theSummaryIsTheRunMetricsRowAsJson() throws Exception {
    Warehouse warehouse = new Warehouse(SharedSpark.spark(), SampleWarehouse.path().toString());
    Row row = lastSucceeded(warehouse);
    JsonNode json = new ObjectMapper().readTree(RunSummaryJson.of(row));

    assertThat(json.get("status").asText()).isEqualTo("succeeded");
    assertThat(json.get("run_date").asText()).isEqualTo(SampleWarehouse.LAST_NIGHT.toString());
    assertThat(Instant.parse(json.get("finished_at").asText()))
        .isEqualTo(row.getTimestamp(row.fieldIndex(Schemas.FINISHED_AT)).toInstant());
    Map<String, Long> written = row.getJavaMap(row.fieldIndex(Schemas.ROWS_WRITTEN));
    assertThat(written).containsKey(TableNames.ACCOUNT_RISK);
    written.forEach(
        (table, n) -> assertThat(json.get("rows_written").get(table).asLong()).isEqualTo(n));
    Map<String, Long> read = row.getJavaMap(row.fieldIndex(Schemas.ROWS_READ));
    read.forEach((table, n) -> assertThat(json.get("rows_read").get(table).asLong()).isEqualTo(n));
    assertThat(json.get("rows_quarantined").get("logins").asLong())
        .isEqualTo(
            row.<String, Long>getJavaMap(row.fieldIndex(Schemas.ROWS_QUARANTINED)).get("logins"));
    assertThat(json.get("published_versions").get(TableNames.ACCOUNT_RISK).asLong())
        .isEqualTo(
            row.<String, Long>getJavaMap(row.fieldIndex(Schemas.PUBLISHED_VERSIONS))
                .get(TableNames.ACCOUNT_RISK));
    assertThat(json.get("stage_seconds").get("publish").asDouble()).isPositive();
    assertThat(json.get("days_ingested").isArray()).isTrue();
    // every column of run_metrics is a key, so a consumer can rely on the shape
    assertThat(json.size()).isEqualTo(Schemas.RUN_METRICS.fields().length);
  }

  @Test
  void aRunFailingBeforeItStartsStillLeavesASummary() throws Exception {
    JsonNode json =
        new ObjectMapper()
            .readTree(
                RunSummaryJson.failedBeforeStart(
                    "run",
                    LocalDate.of(2031, 1, 1),
                    Instant.now(),
                    "run date 2031-01-01 is in the future"));
    assertThat(json.get("status").asText()).isEqualTo("failed");
    assertThat(json.get("message").asText()).contains("in the future");
    assertThat(json.get("rows_written").isNull()).isTrue();
    assertThat(json.size()).isEqualTo(Schemas.RUN_METRICS.fields().length);
  }

  @Test
  void progressIsEstimatedFromTheNewestSucceededRun() {
    Warehouse warehouse = new Warehouse(SharedSpark.spark(), SampleWarehouse.path().toString());
    Map<String, Double> previous = NightlyRun.previousStageSeconds(warehouse);
    Row row = lastSucceeded(warehouse);
    assertThat(previous)
        .containsAllEntriesOf(row.getJavaMap(row.fieldIndex(Schemas.STAGE_SECONDS)))
        .containsKeys("ingest", "link", "publish");
  }
}
