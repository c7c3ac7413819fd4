package com.cohortwatch.ingest;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot export an earlier run ingested is not read again, and anything that could change its
 * bronze rows (new file content, a later commit to the table, a clock-dependent rejection) makes
 * the next run read it.
 */
class SnapshotReuseTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 20);
  private static final List<String> SNAPSHOTS =
      List.of("accounts", "payout_methods", "ip_intel", "decisions");

  @TempDir Path dir;

  @Test
  void unchangedExportsKeepTheirBronzeAndChangedOnesAreReadAgain() throws IOException {
    SparkSession spark = SharedSpark.spark();
    Path input = TestFiles.lastDaysOfTheSamples(dir.resolve("in"), DAY, 1);
    Warehouse warehouse = new Warehouse(spark, dir.resolve("wh").toString());

    RunMetrics first = ingest(spark, input, warehouse);
    assertThat(first.unchanged()).isEmpty();
    assertThat(first.read()).containsKeys("accounts", "payout_methods", "ip_intel", "decisions");
    Map<String, Long> versions = versions(warehouse);

    // The same exports again: none is read, no bronze table gains a commit; logins still are.
    RunMetrics second = ingest(spark, input, warehouse);
    assertThat(second.unchanged()).containsOnlyKeys(SNAPSHOTS).containsValue(DAY.toString());
    assertThat(second.read()).containsOnlyKeys("logins");
    assertThat(versions(warehouse)).isEqualTo(versions);

    // One account's country changes in place: same size, a later modification time.
    Path accounts = input.resolve("accounts/accounts.csv");
    List<String> lines = Files.readAllLines(accounts, StandardCharsets.UTF_8);
    String edited = lines.get(1).replace(",US,", ",CA,");
    assertThat(edited).isNotEqualTo(lines.get(1)).hasSameSizeAs(lines.get(1));
    String editedAccount = edited.substring(0, edited.indexOf(','));
    lines.set(1, edited);
    Files.write(accounts, lines, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(
        accounts, FileTime.fromMillis(Files.getLastModifiedTime(accounts).toMillis() + 2_000));
    // A later commit to a bronze table (as an erasure makes) stands between it and its export.
    warehouse.delete("payout_methods", Where.equal(Cols.ACCOUNT_ID, "a0000001"));
    // A decision dated in the future is rejected against the clock: not reusable as judged.
    Path decisions = input.resolve("decisions/decisions.jsonl");
    String before = Files.readString(decisions, StandardCharsets.UTF_8);
    Files.writeString(
        decisions,
        before
            + (before.endsWith("\n") ? "" : "\n")
            + "{\"account_id\":\"a0000002\",\"decision\":\"cleared\","
            + "\"decided_at\":\""
            + Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS)
            + "\",\"reviewer\":\"analyst-9\"}\n",
        StandardCharsets.UTF_8);

    RunMetrics third = ingest(spark, input, warehouse);
    assertThat(third.unchanged()).containsOnlyKeys("ip_intel");
    assertThat(third.read()).containsKeys("accounts", "payout_methods", "decisions");
    assertThat(third.reasons()).as("rejections").containsKey("decisions");
    assertThat(third.reasons().get("decisions")).containsKey(Reasons.FUTURE_TIMESTAMP);
    assertThat(
            warehouse
                .read("accounts")
                .filter(col(Cols.ACCOUNT_ID).equalTo(editedAccount))
                .select(Cols.CLAIMED_COUNTRY)
                .first()
                .getString(0))
        .isEqualTo("CA");
    assertThat(warehouse.read("payout_methods").filter("account_id = 'a0000001'").count())
        .isPositive();

    // Nothing changed since, but the decisions' ingest depended on the clock: read once more.
    RunMetrics fourth = ingest(spark, input, warehouse);
    assertThat(fourth.unchanged()).containsOnlyKeys("accounts", "payout_methods", "ip_intel");
    assertThat(fourth.read()).containsOnlyKeys("logins", "decisions");

    // Reuse off: every export is read.
    RunMetrics fifth =
        ingest(spark, input, warehouse, Map.of(Settings.SNAPSHOT_REUSE.name(), "never"));
    assertThat(fifth.unchanged()).isEmpty();
    assertThat(fifth.read()).containsKeys(SNAPSHOTS.toArray(new String[0]));
  }

  private static RunMetrics ingest(SparkSession spark, Path input, Warehouse warehouse) {
    return ingest(spark, input, warehouse, Map.of());
  }

  private static RunMetrics ingest(
      SparkSession spark, Path input, Warehouse warehouse, Map<String, String> overrides) {
    Map<String, String> settings = new java.util.HashMap<>(overrides);
    settings.put(Settings.HMAC_KEY.name(), "snapshot-reuse-test-key-of-32-bytes-x");
    settings.put(Settings.MAX_BAD_SHARE.name(), "0.5");
    RunConfig config =
        new RunConfig(
            input.toString(), warehouse.root(), DAY, 30, Settings.resolve(null, settings), false);
    RunMetrics metrics = new RunMetrics(DAY, "test");
    IngestStage.run(spark, config, warehouse, metrics);
    return metrics;
  }

  private static Map<String, Long> versions(Warehouse warehouse) {
    Map<String, Long> versions = new java.util.TreeMap<>();
    for (String table : new ArrayList<>(SNAPSHOTS)) {
      versions.put(table, warehouse.lastCommit(table).version());
    }
    return versions;
  }
}
