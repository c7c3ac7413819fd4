package com.cohortwatch.notebooks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.ModelInputs;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import com.cohortwatch.testing.SampleWarehouse;
import com.cohortwatch.testing.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every analyst notebook in notebooks-export/ runs against the sample warehouse (two nights): each
 * SQL cell, with the notebook's own parameters and defaults, collected; then the answers are
 * checked against the tables. A notebook cell that no longer runs fails the build with the notebook
 * and cell in the message.
 */
class NotebookSqlTest {
  private static final Logger LOG = LoggerFactory.getLogger(NotebookSqlTest.class);

  private static final String TOP_CLUSTERS = "01_top_clusters.ipynb";
  private static final String DRILLDOWN = "02_cluster_drilldown.ipynb";
  private static final String WHAT_CHANGED = "03_what_changed.ipynb";
  private static final String DECISIONS = "04_decision_outcomes.ipynb";

  private static final Map<String, NotebookRun> RUNS = new HashMap<>();

  private static Path notebookDir() {
    return SharedSpark.repoRoot().resolve("notebooks-export");
  }

  private static List<Path> notebookFiles() {
    try (Stream<Path> files = Files.list(notebookDir())) {
      return files.filter(f -> f.toString().endsWith(".ipynb")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Each notebook runs once per JVM; the tests below share the result. */
  private static synchronized NotebookRun run(String fileName) {
    return RUNS.computeIfAbsent(
        fileName,
        name -> {
          Notebook notebook = Notebook.parse(notebookDir().resolve(name));
          String warehouse = SampleWarehouse.path().toString();
          long start = System.nanoTime();
          // ANSI on: the notebooks must also run where it is the default (Spark 4, Databricks SQL).
          NotebookRun run =
              NotebookRun.run(SharedSpark.spark(), notebook, Map.of("warehouse", warehouse), true);
          LOG.info(
              "notebook {}: {} statements in {} s",
              name,
              run.statementsRun,
              String.format("%.1f", (System.nanoTime() - start) / 1e9));
          return run;
        });
  }

  private static Dataset<Row> table(String name) {
    return SharedSpark.spark()
        .read()
        .format("delta")
        .load(SampleWarehouse.path().resolve(name).toString());
  }

  private static Dataset<Row> lastNight(String name) {
    return table(name).where(col(Cols.RUN_DATE).equalTo(lit(Date.valueOf(lastNightDate()))));
  }

  private static String lastNightDate() {
    return SampleWarehouse.LAST_NIGHT.toString();
  }

  /** The cluster with the highest score last night, straight from the table. */
  private static String topClusterLastNight() {
    Dataset<Row> clusters = lastNight(TableNames.CLUSTER_RISK);
    double top =
        clusters.agg(org.apache.spark.sql.functions.max(Cols.RISK_SCORE)).first().getDouble(0);
    List<Row> atTop =
        clusters.where(col(Cols.RISK_SCORE).equalTo(top)).select(Cols.CLUSTER_ID).collectAsList();
    assertThat(atTop).as("one cluster has the top score").hasSize(1);
    return atTop.get(0).getString(0);
  }

  /** A column's value as text (a date as YYYY-MM-DD), or "null". */
  private static String text(Row row, String column) {
    return String.valueOf(row.get(row.fieldIndex(column)));
  }

  private static long sum(List<Row> rows, String column) {
    return rows.stream().mapToLong(r -> ((Number) r.getAs(column)).longValue()).sum();
  }

  @TestFactory
  Stream<DynamicTest> everyNotebookRunsAgainstTheSampleWarehouse() {
    List<Path> files = notebookFiles();
    assertThat(files.stream().map(f -> f.getFileName().toString()))
        .contains(TOP_CLUSTERS, DRILLDOWN, WHAT_CHANGED, DECISIONS);
    return files.stream()
        .map(
            file ->
                DynamicTest.dynamicTest(
                    file.getFileName().toString(),
                    () -> {
                      NotebookRun run = run(file.getFileName().toString());
                      assertThat(run.notebook.statements())
                          .as("SQL cells of %s", run.notebook.name())
                          .isNotEmpty();
                      assertThat(run.statementsRun).isEqualTo(run.notebook.statements().size());
                      if (run.parameters.containsKey("run_date")) {
                        assertThat(run.parameters.get("run_date"))
                            .as("run_date defaults to the newest night")
                            .isEqualTo(lastNightDate());
                      }
                    }));
  }

  @Test
  void parameterCellsAreParsedAsPythonWouldReadThem() {
    Notebook notebook = Notebook.parse(notebookDir().resolve(TOP_CLUSTERS));
    assertThat(notebook.parameters()).containsEntry("run_date", null);
    assertThat(notebook.parameters()).containsEntry("top_n", "20");
    assertThat(notebook.parameters()).containsEntry("flagged_tiers", "high,critical");
    assertThat(notebook.parameterOrder()).startsWith("warehouse", "run_date");
    assertThat(notebook.tables()).contains(TableNames.CLUSTER_RISK, TableNames.ACCOUNT_RISK);
    assertThat(notebook.defaults()).containsKey("run_date");
  }

  @Test
  void topClustersListsLastNightsTopClusterFirstWithItsReasonsAndEveryAccountInATier() {
    NotebookRun run = run(TOP_CLUSTERS);
    String top = topClusterLastNight();

    List<Row> clusters = run.rows("top_clusters");
    assertThat(clusters).isNotEmpty();
    assertThat((String) clusters.get(0).getAs(Cols.CLUSTER_ID)).isEqualTo(top);
    List<Double> scores = clusters.stream().map(r -> (Double) r.getAs(Cols.RISK_SCORE)).toList();
    assertThat(scores).isSortedAccordingTo((a, b) -> Double.compare(b, a));

    Row topRow =
        lastNight(TableNames.CLUSTER_RISK).where(col(Cols.CLUSTER_ID).equalTo(top)).first();
    List<Row> reasons = topRow.getList(topRow.fieldIndex(Cols.REASONS));
    List<Row> exploded =
        run.rows("cluster_reasons").stream()
            .filter(r -> top.equals(r.getAs(Cols.CLUSTER_ID)))
            .toList();
    assertThat(exploded.stream().map(r -> (String) r.getAs(Cols.CODE)).toList())
        .containsExactlyElementsOf(reasons.stream().map(r -> r.getString(0)).toList());

    List<Row> tiers = run.rows("tier_counts");
    assertThat(sum(tiers, "accounts")).isEqualTo(lastNight(TableNames.ACCOUNT_RISK).count());
    assertThat(sum(tiers, "clusters")).isEqualTo(lastNight(TableNames.CLUSTER_RISK).count());
    assertThat(tiers.stream().map(r -> (String) r.getAs(Cols.RISK_TIER)))
        .contains("low", "medium", "high", "critical");
  }

  @Test
  void drilldownDefaultsToTheTopClusterAndItsHourProfileReproducesTheWorkingHoursFit() {
    NotebookRun run = run(DRILLDOWN);
    String top = topClusterLastNight();
    assertThat(run.parameters.get("cluster_id")).isEqualTo(top);

    Set<String> expectedMembers =
        lastNight(TableNames.CLUSTER_MEMBERS)
            .where(col(Cols.CLUSTER_ID).equalTo(top))
            .select(Cols.ACCOUNT_ID)
            .collectAsList()
            .stream()
            .map(r -> r.getString(0))
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(expectedMembers).isNotEmpty();
    Set<String> members =
        run.rows("members").stream()
            .map(r -> r.<String>getAs(Cols.ACCOUNT_ID))
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(members).isEqualTo(expectedMembers);
    assertThat(run.rows("members"))
        .allSatisfy(r -> assertThat(r.<String>getAs(Cols.CLAIMED_TIMEZONE)).isNotNull());

    // The shared infrastructure covers every link of the cluster.
    List<Row> shared = run.rows("shared_infrastructure");
    assertThat(shared).isNotEmpty();
    assertThat(sum(run.rows("shared_by_type"), "links"))
        .isEqualTo(
            lastNight(TableNames.LINK_EVIDENCE).where(col(Cols.CLUSTER_ID).equalTo(top)).count());

    // Every login in the window is counted once per hour column, and the working-day share at the
    // fitted offset is the fit the nightly run stored (same 30-day window as SampleWarehouse's
    // run).
    HourProfile profile = HourProfile.of(run);
    assertThat(profile.fittedShare()).isCloseTo(workingHoursFit(top), within(1e-9));
  }

  @Test
  void drilldownOfATimezoneMismatchClusterShowsTheClaimedTimezonesFitItsLoginsWorse() {
    // The top cluster need not work far from its claims (a ring may work the hours it claims, and
    // the fitted model may weigh the mismatch little); the highest-scored cluster whose members
    // mostly do is drilled into by setting the notebook's cluster_id.
    Row ring =
        lastNight(TableNames.CLUSTER_RISK)
            .where(col(ModelInputs.COLUMN + "." + ModelInputs.CLUSTER_TZ_MISMATCH).geq(0.5))
            .orderBy(col(Cols.RISK_SCORE).desc(), col(Cols.CLUSTER_ID))
            .first();
    String clusterId = ring.getAs(Cols.CLUSTER_ID);
    NotebookRun run =
        NotebookRun.run(
            SharedSpark.spark(),
            Notebook.parse(notebookDir().resolve(DRILLDOWN)),
            Map.of("warehouse", SampleWarehouse.path().toString(), "cluster_id", clusterId),
            true);
    assertThat(run.parameters.get("cluster_id")).isEqualTo(clusterId);

    HourProfile profile = HourProfile.of(run);
    assertThat(profile.fittedShare()).isCloseTo(workingHoursFit(clusterId), within(1e-9));
    assertThat(profile.claimedInDay())
        .as("the claimed timezones of %s fit its logins worse", clusterId)
        .isLessThan(profile.fittedInDay());
  }

  private static double workingHoursFit(String clusterId) {
    return lastNight(TableNames.CLUSTER_RISK)
        .where(col(Cols.CLUSTER_ID).equalTo(clusterId))
        .first()
        .<Double>getAs("working_hours_fit");
  }

  /** The drill-down's hour-of-day profile: logins in working hours, local and fitted. */
  private record HourProfile(long logins, long fittedInDay, long claimedInDay) {
    static HourProfile of(NotebookRun run) {
      List<Row> hours = run.rows("hour_profile");
      assertThat(hours).hasSize(24);
      long logins = sum(run.rows("daily_timeline"), "logins");
      assertThat(logins).isPositive();
      assertThat(sum(hours, "logins_utc")).isEqualTo(logins);
      assertThat(sum(hours, "logins_fitted_local")).isEqualTo(logins);
      assertThat(sum(hours, "logins_claimed_local")).isEqualTo(logins);
      List<Row> working = hours.stream().filter(r -> r.<Boolean>getAs("working_day")).toList();
      return new HourProfile(
          logins, sum(working, "logins_fitted_local"), sum(working, "logins_claimed_local"));
    }

    double fittedShare() {
      return (double) fittedInDay / logins;
    }
  }

  @Test
  void whatChangedComparesTheTwoNightsAndTimeTravelsToLastNightsPublishedVersion() {
    NotebookRun run = run(WHAT_CHANGED);
    String previous = SampleWarehouse.PREVIOUS_NIGHT.toString();

    Map<String, Object> baselines = new TreeMap<>();
    run.rows("compared_nights")
        .forEach(r -> baselines.put(r.getAs("baseline"), r.getAs("baseline_date")));
    assertThat(String.valueOf(baselines.get("last night"))).isEqualTo(previous);
    assertThat(baselines.get("last week")).as("no run a week before in the sample").isNull();

    long accountsEitherNight =
        table(TableNames.ACCOUNT_RISK).select(Cols.ACCOUNT_ID).distinct().count();
    assertThat(sum(run.rows("tier_transitions"), "accounts")).isEqualTo(accountsEitherNight);
    assertThat(run.rows("cluster_changes").stream().map(r -> (String) r.getAs(Cols.CLUSTER_ID)))
        .containsAll(
            lastNight(TableNames.CLUSTER_RISK).select(Cols.CLUSTER_ID).collectAsList().stream()
                .map(r -> r.getString(0))
                .toList());

    // previous_version defaulted to what the previous night's run published, per run_metrics.
    Row previousRun =
        table(TableNames.RUN_METRICS)
            .where(col(Cols.RUN_DATE).equalTo(lit(Date.valueOf(SampleWarehouse.PREVIOUS_NIGHT))))
            .where(col(Schemas.STATUS).equalTo("succeeded"))
            .first();
    Map<String, Long> published =
        previousRun.getJavaMap(previousRun.fieldIndex(Schemas.PUBLISHED_VERSIONS));
    assertThat(run.parameters.get("previous_version"))
        .isEqualTo(String.valueOf(published.get(TableNames.ACCOUNT_RISK)));

    assertThat(run.rows("account_risk_history")).hasSizeGreaterThanOrEqualTo(3);
    List<Row> atVersion = run.rows("published_last_night");
    assertThat(atVersion.stream().map(r -> text(r, Cols.RUN_DATE)).toList())
        .containsExactly(previous);
    List<Row> changed = run.rows("changed_since_version");
    assertThat(changed).hasSize(1);
    assertThat(text(changed.get(0), Cols.RUN_DATE)).isEqualTo(lastNightDate());
    assertThat(((Number) changed.get(0).getAs("rows_added")).longValue())
        .isEqualTo(lastNight(TableNames.ACCOUNT_RISK).count());
    assertThat(((Number) changed.get(0).getAs("rows_removed")).longValue()).isZero();
    assertThat(run.rows("clusters_as_of").stream().map(r -> text(r, Cols.RUN_DATE)).toList())
        .containsExactly(previous);
  }

  @Test
  void decisionOutcomesAccountForEveryDecisionOnce() {
    NotebookRun run = run(DECISIONS);
    Dataset<Row> decisions = table(InputTable.DECISIONS.folder());
    long decidedAccounts = decisions.select(Cols.ACCOUNT_ID).distinct().count();
    long confirmed =
        decisions
            .where(col(Cols.DECISION).equalTo("confirmed"))
            .select(Cols.ACCOUNT_ID)
            .distinct()
            .count();
    assertThat(decidedAccounts).isPositive();

    assertThat(run.rows("decision_outcomes")).hasSize((int) decidedAccounts);
    List<Row> byTier = run.rows("precision_by_tier");
    assertThat(sum(byTier, "decided")).isEqualTo(decidedAccounts);
    assertThat(sum(byTier, "confirmed")).isEqualTo(confirmed);
    assertThat(byTier)
        .allSatisfy(
            r ->
                assertThat(sum(List.of(r), "confirmed") + sum(List.of(r), "cleared"))
                    .isEqualTo(sum(List.of(r), "decided")));
    List<Row> summary = run.rows("flag_summary");
    assertThat(sum(summary, "flagged_confirmed") + sum(summary, "confirmed_not_flagged"))
        .isEqualTo(confirmed);

    Dataset<Row> flagged =
        lastNight(TableNames.ACCOUNT_RISK).where(col(Cols.RISK_TIER).isin("high", "critical"));
    long undecidedFlags =
        flagged
            .join(
                decisions,
                flagged.col(Cols.ACCOUNT_ID).equalTo(decisions.col(Cols.ACCOUNT_ID)),
                "left_anti")
            .count();
    assertThat(sum(run.rows("open_flags"), "open_flags")).isEqualTo(undecidedFlags);
  }
}
