package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.UsageException;
import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.sql.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backtest of the sample warehouse's last night with lower high and critical thresholds: the
 * published tables are untouched, the rescored scores equal the published ones (same data, same
 * model, same history), so the only changes are the tier moves the thresholds make, and the
 * comparison says exactly those.
 */
class BacktestTest {
  @Test
  void lowerThresholdsFlagMoreAndTouchNothingPublished(@TempDir Path dir) {
    SparkSession spark = SharedSpark.spark();
    String publishedRoot = SampleWarehouse.path().toString();
    Warehouse published = new Warehouse(spark, publishedRoot);
    Map<String, Long> versionsBefore = versions(spark, published);
    Date night = Date.valueOf(SampleWarehouse.LAST_NIGHT);
    Map<String, Double> before = scores(published, night);
    // score.tier-high lowered to the median of the unflagged scores above 0.05: about half of
    // them move to high, wherever the model puts the samples' ordinary accounts
    List<Double> unflagged =
        before.values().stream().filter(v -> v >= 0.05 && v < 0.6).sorted().toList();
    assertThat(unflagged).as("unflagged accounts on the samples").hasSizeGreaterThan(4);
    double newHigh = unflagged.get(unflagged.size() / 2) - 1e-6;

    RunConfig config =
        new RunConfig(
            SharedSpark.repoRoot().resolve("data-samples").toString(),
            publishedRoot,
            SampleWarehouse.LAST_NIGHT,
            30,
            Settings.resolve(
                null,
                Map.of(
                    Settings.TIER_MEDIUM.name(),
                    String.valueOf(Math.min(0.35, newHigh / 2)),
                    Settings.TIER_HIGH.name(),
                    String.valueOf(newHigh),
                    Settings.TIER_CRITICAL.name(),
                    "0.8")),
            true);
    String scratch = dir.resolve("scratch").toString();
    Backtest.Comparison c =
        Backtest.run(
            spark,
            config,
            scratch,
            SampleWarehouse.LAST_NIGHT,
            SampleWarehouse.LAST_NIGHT,
            (d, m) -> {});

    assertThat(versions(spark, published)).isEqualTo(versionsBefore);

    // the rescored night equals the published one in scores; only tiers moved
    Map<String, Double> after = scores(new Warehouse(spark, scratch), night);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    // except accounts cleared by review: capped below score.tier-high, they follow its new value
    double oldCap = 0.6 - 0.01;
    double newCap = newHigh - 0.01;
    after.forEach(
        (a, s) -> {
          if (Math.abs(s - before.get(a)) > 1e-9) {
            assertThat(before.get(a)).as(a).isLessThanOrEqualTo(oldCap + 1e-9).isGreaterThan(s);
            assertThat(s).as(a).isLessThanOrEqualTo(newCap + 1e-9);
          }
        });
    long expectedNewlyFlagged =
        before.keySet().stream()
            .filter(a -> before.get(a) >= newHigh && before.get(a) < 0.6 && after.get(a) >= newHigh)
            .count();
    assertThat(expectedNewlyFlagged).as("accounts between the old and new threshold").isPositive();
    assertThat(c.newlyFlaggedAccounts()).isEqualTo(expectedNewlyFlagged);
    assertThat(c.noLongerFlaggedAccounts()).isZero();
    assertThat(c.newlyFlaggedSample())
        .isNotEmpty()
        .allSatisfy(a -> assertThat(before.get(a)).isBetween(newHigh, 0.6));
    for (Row move : c.tierMoves()) {
      assertThat(move.getString(0) + "->" + move.getString(1))
          .isIn("low->medium", "low->high", "medium->high", "high->critical");
    }
    long toHigh =
        c.tierMoves().stream()
            .filter(r -> r.getString(1).equals("high"))
            .mapToLong(r -> r.getLong(2))
            .sum();
    assertThat(toHigh).isEqualTo(expectedNewlyFlagged);
    // more flags, the same decisions: the rescored side has at least as many decided flags
    assertThat(c.rescored().flagged()).isEqualTo(c.published().flagged() + expectedNewlyFlagged);
    assertThat(c.rescored().decided()).isGreaterThanOrEqualTo(c.published().decided());
    assertThat(c.format(SampleWarehouse.LAST_NIGHT, SampleWarehouse.LAST_NIGHT, scratch))
        .contains("accounts newly flagged: " + expectedNewlyFlagged)
        .contains("flag precision, published:")
        .contains("flag precision, rescored:");
  }

  @Test
  void theScratchCannotBeThePublishedWarehouse() {
    String root = SampleWarehouse.path().toString();
    assertThatThrownBy(() -> Backtest.checkSeparate(SharedSpark.spark(), root, root + "/scratch"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("outside the published warehouse");
  }

  private static Map<String, Long> versions(SparkSession spark, Warehouse w) {
    Map<String, Long> v = new LinkedHashMap<>();
    for (String t : Backtest.tables()) {
      if (w.exists(t)) {
        v.put(t, DeltaTable.forPath(spark, w.path(t)).history(1).first().getLong(0));
      }
    }
    return v;
  }

  private static Map<String, Double> scores(Warehouse w, Date night) {
    Map<String, Double> m = new LinkedHashMap<>();
    List<Row> rows =
        w.read(TableNames.ACCOUNT_RISK)
            .filter(col(Cols.RUN_DATE).equalTo(night))
            .select(Cols.ACCOUNT_ID, Cols.RISK_SCORE)
            .collectAsList();
    rows.forEach(r -> m.put(r.getString(0), r.getDouble(1)));
    return m;
  }
}
