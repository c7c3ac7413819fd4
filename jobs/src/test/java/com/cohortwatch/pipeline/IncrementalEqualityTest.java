package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestFiles;
import com.cohortwatch.testing.WarehouseContents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Night after night gives the same answer as one run from scratch. Two nights over a three-day
 * window of the samples; the second lands a day with a late login for the day already rolled up,
 * retires a day from the window, moves an account to another country (a changed snapshot) and adds
 * a review decision. A fresh warehouse then runs only the last night on the same input. Every gold
 * table of that night must be equal row for row, but for the cluster ids, which carry history by
 * design (stable across nights) and are compared by their members instead.
 *
 * <p>This is the guard for state carried between nights: whatever a night keeps from the last one
 * (rollups, snapshots, and later memberships and links) must not change what it publishes.
 */
class IncrementalEqualityTest {
  private static final LocalDate FIRST = LocalDate.of(2026, 11, 18);
  private static final LocalDate LAST = FIRST.plusDays(1);
  private static final int LOOKBACK = 3;
  private static final List<String> GOLD =
      List.of(
          TableNames.ACCOUNT_RISK,
          TableNames.CLUSTER_RISK,
          TableNames.CLUSTER_MEMBERS,
          TableNames.LINK_EVIDENCE);

  /** How {@code StableIds} names a cluster. */
  private static final Pattern CLUSTER_ID = Pattern.compile("c-[0-9a-f]{12}");

  @TempDir Path dir;

  @Test
  void nightsInARowPublishWhatOneRunFromScratchPublishes() throws IOException {
    SparkSession spark = SharedSpark.spark();
    Path samples = SharedSpark.repoRoot().resolve("data-samples");
    Path input = TestFiles.lastDaysOfTheSamples(dir.resolve("in"), FIRST, LOOKBACK);
    Warehouse nightly = new Warehouse(spark, dir.resolve("nightly").toString());

    RunConfig night = config(input, nightly, FIRST);
    NightlyRun.run(spark, night);

    // Night 2: a day lands, the oldest leaves the window, one account moves country, a login
    // for yesterday comes late, and a reviewer confirms an account.
    land(samples, input, LAST);
    Path accounts = input.resolve("accounts/accounts.csv");
    String moved =
        Files.readString(accounts, StandardCharsets.UTF_8)
            .replace(
                "a0000001,2025-10-21T17:44:40Z,US,America/New_York,",
                "a0000001,2025-10-21T17:44:40Z,CA,America/Toronto,");
    assertThat(moved).contains("a0000001,2025-10-21T17:44:40Z,CA,");
    Files.writeString(accounts, moved, StandardCharsets.UTF_8);
    Files.writeString(
        input.resolve("logins/date=" + LAST + "/late.jsonl"),
        "{\"event_id\":\"late-1\",\"account_id\":\"a0000104\",\"event_time\":\""
            + LAST.minusDays(1)
            + "T03:15:00Z\",\"ip\":\"30.20.72.46\",\"device_id\":\"dev_late\",\"success\":true}\n",
        StandardCharsets.UTF_8);
    Path decisions = input.resolve("decisions/decisions.jsonl");
    Files.writeString(
        decisions,
        Files.readString(decisions, StandardCharsets.UTF_8).stripTrailing()
            + "\n{\"account_id\":\"a0000121\",\"decision\":\"confirmed\",\"decided_at\":\""
            + LAST
            + "T09:00:00Z\",\"reviewer\":\"analyst-4\"}\n",
        StandardCharsets.UTF_8);
    RunMetrics last = NightlyRun.run(spark, night.withRunDate(LAST));
    assertThat(last.lateEvents()).isEqualTo(1);

    Warehouse scratch = new Warehouse(spark, dir.resolve("scratch").toString());
    NightlyRun.run(spark, config(input, scratch, LAST));

    for (String table : GOLD) {
      List<String> fromScratch = canonical(scratch, table);
      // "+ " rows only night after night, "- " rows only from scratch
      assertThat(WarehouseContents.difference(canonical(nightly, table), fromScratch))
          .as(table)
          .isEmpty();
    }
    // Not vacuous: the window holds a ring that is clustered and flagged.
    assertThat(canonical(scratch, TableNames.CLUSTER_MEMBERS)).hasSizeGreaterThan(3);
    assertThat(
            scratch
                .read(TableNames.ACCOUNT_RISK)
                .filter(col(Cols.RUN_DATE).equalTo(lit(Date.valueOf(LAST))))
                .filter(col(Cols.RISK_TIER).isin("high", "critical"))
                .count())
        .isPositive();
  }

  /**
   * One night's rows of a gold table as sorted JSON, each cluster id (in its column and in the
   * reasons' text) replaced by the smallest account id among its members: two warehouses must agree
   * on who is clustered with whom, not on the names their histories gave the clusters.
   */
  private static List<String> canonical(Warehouse warehouse, String table) {
    Column night = col(Cols.RUN_DATE).equalTo(lit(Date.valueOf(LAST)));
    Map<String, String> names = new HashMap<>();
    for (Row r :
        warehouse
            .read(TableNames.CLUSTER_MEMBERS)
            .filter(night)
            .groupBy(Cols.CLUSTER_ID)
            .agg(min(Cols.ACCOUNT_ID))
            .collectAsList()) {
      names.put(r.getString(0), "cluster-of-" + r.getString(1));
    }
    return warehouse.read(table).filter(night).toJSON().collectAsList().stream()
        .map(
            json ->
                CLUSTER_ID.matcher(json).replaceAll(m -> names.getOrDefault(m.group(), m.group())))
        .sorted()
        .toList();
  }

  private static void land(Path samples, Path input, LocalDate day) throws IOException {
    String folder = "logins/date=" + day;
    TestFiles.copyTree(samples.resolve(folder), input.resolve(folder));
  }

  private static RunConfig config(Path input, Warehouse warehouse, LocalDate runDate) {
    return new RunConfig(
        input.toString(),
        warehouse.root(),
        runDate,
        LOOKBACK,
        Settings.resolve(
            null, Map.of(Settings.HMAC_KEY.name(), "incremental-equality-test-key-32-bytes")),
        false);
  }
}
