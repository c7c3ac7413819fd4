package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.generate.Generator;
import com.cohortwatch.generate.GeneratorConfig;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated data with --bad-rate 0.003 and late deliveries: bronze holds exactly the valid events,
 * the quarantine exactly the malformed ones by reason, and duplicates are gone.
 */
class GeneratedIngestTest {
  @TempDir static Path dir;
  static JsonNode truth;
  static RunMetrics metrics;
  static Warehouse warehouse;

  @BeforeAll
  static void generateAndIngest() throws IOException {
    SparkSession spark = SharedSpark.spark();
    Map<String, String> flags = new HashMap<>();
    flags.put("out", dir.resolve("in").toString());
    flags.put("accounts", "1500");
    flags.put("days", "6");
    flags.put("seed", "42");
    flags.put("bad-rate", "0.003");
    flags.put("late-rate", "0.01");
    Generator.run(spark, GeneratorConfig.fromOptions(flags));
    truth = new ObjectMapper().readTree(dir.resolve("in/truth/bad_records.json").toFile());
    RunConfig config =
        new RunConfig(
            dir.resolve("in").toString(),
            dir.resolve("wh").toString(),
            LocalDate.of(2026, 11, 20),
            30,
            // Payout ids are pseudonymised at ingestion, so ingestion needs the key.
            Settings.resolve(
                null,
                java.util.Map.of(
                    Settings.HMAC_KEY.name(), "ingest-test-key-of-32-bytes-or-more-x")),
            false);
    warehouse = new Warehouse(spark, config.warehouse());
    metrics = new RunMetrics(config.runDate(), "test");
    IngestStage.run(spark, config, warehouse, metrics);
  }

  @Test
  void bronzeHoldsExactlyTheValidEvents() {
    long valid = truth.get("valid_rows").get("logins").asLong();
    assertThat(warehouse.read("logins").count()).isEqualTo(valid);
    assertThat(warehouse.read("logins").select(Cols.EVENT_KEY).distinct().count()).isEqualTo(valid);
    assertThat(metrics.duplicatesDropped())
        .isEqualTo(truth.get("duplicate_deliveries").get("logins").asLong());
    // A late event that was also delivered twice keeps its first, on-time delivery.
    long late = truth.get("late_events").asLong();
    long duplicates = truth.get("duplicate_deliveries").get("logins").asLong();
    assertThat(metrics.lateEvents()).isBetween(Math.max(1, late - duplicates), late);
  }

  @Test
  void quarantineHoldsExactlyTheMalformedByReason() {
    for (String table : new String[] {"logins", "accounts"}) {
      Map<String, Long> expected = new TreeMap<>();
      truth
          .get(table)
          .fields()
          .forEachRemaining(e -> expected.put(e.getKey(), e.getValue().asLong()));
      Map<String, Long> actual =
          warehouse
              .read(TableNames.QUARANTINE)
              .filter(col(Cols.SOURCE_TABLE).equalTo(table))
              .groupBy(Cols.REASON)
              .count()
              .collectAsList()
              .stream()
              .collect(
                  Collectors.toMap(
                      r -> r.getString(0), r -> r.getLong(1), (a, b) -> a, TreeMap::new));
      assertThat(actual).as(table).isEqualTo(expected);
    }
  }
}
