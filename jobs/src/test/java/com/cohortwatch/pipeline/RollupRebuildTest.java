package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.detect.Links;
import com.cohortwatch.detect.Rollups;
import com.cohortwatch.ingest.IngestStage;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.AttributeKind;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SharedSpark;
import com.cohortwatch.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollups never mix days built under two rules: a change of the settings they depend on, or
 * {@code --full-recompute}, rebuilds every day from bronze, not only the days just landed.
 */
class RollupRebuildTest {
  private static final LocalDate DAY = LocalDate.of(2026, 11, 20);

  @TempDir Path dir;

  @Test
  void aChangedPrefixOrFullRecomputeRebuildsEveryDayAndOnlyThen() throws IOException {
    SparkSession spark = SharedSpark.spark();
    Path input = TestFiles.lastDaysOfTheSamples(dir.resolve("in"), DAY, 2);
    Warehouse warehouse = new Warehouse(spark, dir.resolve("wh").toString());
    RunConfig slash24 = config(input, warehouse, Map.of(), false);
    IngestStage.Result ingested =
        IngestStage.run(spark, slash24, warehouse, new RunMetrics(DAY, "test"));
    assertThat(ingested.daysIngested()).contains(DAY.minusDays(1), DAY);
    assertThat(RollupStage.updateRollups(spark, slash24, warehouse, ingested.daysIngested()))
        .isNull();
    assertThat(ipv4SubnetPrefixes(warehouse, DAY.minusDays(1))).containsExactly("/24");

    // Only today lands, under a /16 subnet rule: yesterday is rebuilt too.
    RunConfig slash16 = config(input, warehouse, Map.of(Settings.IPV4_PREFIX.name(), "16"), false);
    assertThat(RollupStage.updateRollups(spark, slash16, warehouse, List.of(DAY)))
        .contains("changed")
        .contains(Settings.IPV4_PREFIX.name() + "=24")
        .contains(Settings.IPV4_PREFIX.name() + "=16");
    assertThat(ipv4SubnetPrefixes(warehouse, DAY.minusDays(1))).containsExactly("/16");
    assertThat(ipv4SubnetPrefixes(warehouse, DAY)).containsExactly("/16");
    assertThat(warehouse.read(TableNames.CO_LOGIN_MEETINGS).count()).isPositive();

    // The co-login meetings are rolled up from every login's time slot, and depend on the pair cap.
    assertThat(meetings(warehouse)).isNotEmpty().isEqualTo(meetingsAfresh(warehouse, 50));
    RunConfig capped =
        config(
            input,
            warehouse,
            Map.of(Settings.IPV4_PREFIX.name(), "16", Settings.PAIR_CAP.name(), "2"),
            false);
    assertThat(RollupStage.updateRollups(spark, capped, warehouse, List.of(DAY)))
        .contains(Settings.PAIR_CAP.name() + "=50")
        .contains(Settings.PAIR_CAP.name() + "=2");
    assertThat(meetings(warehouse)).isEqualTo(meetingsAfresh(warehouse, 2));
    assertThat(RollupStage.updateRollups(spark, slash16, warehouse, List.of(DAY)))
        .contains(Settings.PAIR_CAP.name() + "=2");

    // The same rule again: only the landed day is recomputed.
    long version = warehouse.lastCommit(TableNames.ATTRIBUTE_DAILY).version();
    assertThat(RollupStage.updateRollups(spark, slash16, warehouse, List.of(DAY))).isNull();
    assertThat(warehouse.lastCommit(TableNames.ATTRIBUTE_DAILY).version()).isEqualTo(version + 1);

    // --full-recompute rebuilds under an unchanged rule, to the same rows as computed afresh.
    RunConfig full = config(input, warehouse, Map.of(Settings.IPV4_PREFIX.name(), "16"), true);
    assertThat(RollupStage.updateRollups(spark, full, warehouse, List.of()))
        .isEqualTo("--full-recompute");
    var rebuilt = warehouse.read(TableNames.ATTRIBUTE_DAILY);
    var afresh = Rollups.attributeDaily(warehouse.read("logins"), 16, 48);
    assertThat(rebuilt.count()).isEqualTo(afresh.count());
    assertThat(
            rebuilt
                .select(
                    Cols.EVENT_DATE, Cols.ACCOUNT_ID, Cols.ATTR_TYPE, Cols.ATTR_VALUE, Cols.LOGINS)
                .exceptAll(
                    afresh.select(
                        Cols.EVENT_DATE,
                        Cols.ACCOUNT_ID,
                        Cols.ATTR_TYPE,
                        Cols.ATTR_VALUE,
                        Cols.LOGINS))
                .count())
        .isZero();
  }

  private static List<String> meetings(Warehouse warehouse) {
    return sortedJson(warehouse.read(TableNames.CO_LOGIN_MEETINGS));
  }

  private static List<String> meetingsAfresh(Warehouse warehouse, int pairCap) {
    return sortedJson(Links.dailyMeetings(Rollups.ipSlots(warehouse.read("logins"), 30), pairCap));
  }

  private static List<String> sortedJson(
      org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows) {
    return rows
        .select(Cols.EVENT_DATE, Cols.ACCOUNT_A, Cols.ACCOUNT_B, Cols.IP, Cols.MEETINGS)
        .toJSON()
        .collectAsList()
        .stream()
        .sorted()
        .toList();
  }

  /** The distinct prefix lengths of the IPv4 subnet values rolled up for one day. */
  private static Set<String> ipv4SubnetPrefixes(Warehouse warehouse, LocalDate day) {
    return warehouse
        .read(TableNames.ATTRIBUTE_DAILY)
        .filter(col(Cols.EVENT_DATE).equalTo(lit(Date.valueOf(day))))
        .filter(col(Cols.ATTR_TYPE).equalTo(AttributeKind.SUBNET.value()))
        .filter(col(Cols.ATTR_VALUE).contains("."))
        .select(Cols.ATTR_VALUE)
        .collectAsList()
        .stream()
        .map(r -> r.getString(0).substring(r.getString(0).indexOf('/')))
        .collect(Collectors.toSet());
  }

  private static RunConfig config(
      Path input, Warehouse warehouse, Map<String, String> overrides, boolean fullRecompute) {
    Map<String, String> settings = new HashMap<>(overrides);
    settings.put(Settings.HMAC_KEY.name(), "rollup-rebuild-test-key-of-32-bytes-x");
    return new RunConfig(
        input.toString(),
        warehouse.root(),
        DAY,
        30,
        Settings.resolve(null, settings),
        false,
        fullRecompute);
  }
}
