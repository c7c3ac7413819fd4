package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.detect.Detection;
import com.cohortwatch.detect.Feedback;
import com.cohortwatch.detect.Links;
import com.cohortwatch.detect.RiskModel;
import com.cohortwatch.detect.Rollups;
import com.cohortwatch.io.ChangeFeed;
import com.cohortwatch.io.Warehouse;
import com.cohortwatch.io.Where;
import com.cohortwatch.metrics.RunMetrics;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.InputTable;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.schema.TableNames;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Rollups, links, clusters, scores, and the publish of the gold tables for one run date. */
public final class DetectStage {
  private DetectStage() {}

  /**
   * The rollup tables. The co-login meetings are made from each day's time slots, which are not
   * kept: only the meetings are read afterwards ({@link TableNames#IP_SLOTS}).
   */
  private static final List<Map.Entry<String, org.apache.spark.sql.types.StructType>>
      ROLLUP_TABLES =
          List.of(
              Map.entry(TableNames.ATTRIBUTE_DAILY, Schemas.ATTRIBUTE_DAILY),
              Map.entry(TableNames.CO_LOGIN_MEETINGS, Schemas.CO_LOGIN_MEETINGS));

  /** Table property of the rollup tables: the settings their rows were computed with. */
  static final String ROLLUP_SETTINGS_PROPERTY = "cohortwatch.rollup-settings";

  /**
   * Recomputes the daily rollups of every event date touched by the days just ingested; or, on
   * {@code --full-recompute} or when the rollup settings differ from the ones the tables were built
   * with, rebuilds them from every login in bronze, so the window never mixes days rolled up under
   * two rules. Returns why it rebuilt them all, or null when it did not.
   */
  public static String updateRollups(
      SparkSession spark, RunConfig config, Warehouse warehouse, List<LocalDate> landedDays) {
    Settings s = config.settings();
    String wanted = rollupSettings(s);
    String rebuild = rebuildReason(warehouse, config.fullRecompute(), wanted);
    Map<String, String> stamped = Map.of(ROLLUP_SETTINGS_PROPERTY, wanted);
    // A new table records the settings at creation; an existing one only after a rebuild.
    for (var table : ROLLUP_TABLES) {
      ensureRollupTable(warehouse, table.getKey(), table.getValue(), stamped);
    }
    if (!warehouse.exists(InputTable.LOGINS.folder())) {
      return null;
    }
    Dataset<Row> bronze = warehouse.read(InputTable.LOGINS.folder());
    if (rebuild != null) {
      warehouse.overwrite(
          TableNames.ATTRIBUTE_DAILY,
          Schemas.ATTRIBUTE_DAILY,
          Rollups.attributeDaily(
              bronze, s.getInt(Settings.IPV4_PREFIX), s.getInt(Settings.IPV6_PREFIX)));
      warehouse.overwrite(
          TableNames.CO_LOGIN_MEETINGS, Schemas.CO_LOGIN_MEETINGS, dailyMeetings(bronze, s));
      // Stamped only after every rebuild committed: a run killed in between rebuilds again.
      for (var table : ROLLUP_TABLES) {
        warehouse.ensure(table.getKey(), table.getValue(), stamped, Cols.EVENT_DATE);
      }
      return rebuild;
    }
    if (landedDays.isEmpty()) {
      return null;
    }
    Where landed = Where.in(Cols.LANDED_DATE, landedDays);
    List<LocalDate> eventDates = new ArrayList<>();
    for (Row r :
        bronze.filter(landed.column()).select(Cols.EVENT_DATE).distinct().collectAsList()) {
      eventDates.add(r.getDate(0).toLocalDate());
    }
    if (eventDates.isEmpty()) {
      return null;
    }
    Where affected = Where.in(Cols.EVENT_DATE, eventDates);
    Dataset<Row> logins = bronze.filter(affected.column());
    warehouse.replaceWhere(
        TableNames.ATTRIBUTE_DAILY,
        Schemas.ATTRIBUTE_DAILY,
        Rollups.attributeDaily(
            logins, s.getInt(Settings.IPV4_PREFIX), s.getInt(Settings.IPV6_PREFIX)),
        affected);
    warehouse.replaceWhere(
        TableNames.CO_LOGIN_MEETINGS,
        Schemas.CO_LOGIN_MEETINGS,
        dailyMeetings(logins, s),
        affected);
    return null;
  }

  /** The co-login meetings of the logins' days, through their time slots. */
  private static Dataset<Row> dailyMeetings(Dataset<Row> logins, Settings s) {
    return Links.dailyMeetings(
        Rollups.ipSlots(logins, s.getInt(Settings.CO_LOGIN_WINDOW_MINUTES)),
        s.getInt(Settings.PAIR_CAP));
  }

  private static void ensureRollupTable(
      Warehouse warehouse,
      String table,
      org.apache.spark.sql.types.StructType schema,
      Map<String, String> stamped) {
    if (warehouse.exists(table)) {
      warehouse.ensure(table, schema, Cols.EVENT_DATE);
    } else {
      warehouse.ensure(table, schema, stamped, Cols.EVENT_DATE);
    }
  }

  /** The settings a rollup row depends on, as recorded on the rollup tables. */
  static String rollupSettings(Settings s) {
    return Settings.IPV4_PREFIX.name()
        + "="
        + s.getInt(Settings.IPV4_PREFIX)
        + ","
        + Settings.IPV6_PREFIX.name()
        + "="
        + s.getInt(Settings.IPV6_PREFIX)
        + ","
        + Settings.CO_LOGIN_WINDOW_MINUTES.name()
        + "="
        + s.getInt(Settings.CO_LOGIN_WINDOW_MINUTES)
        + ","
        + Settings.PAIR_CAP.name()
        + "="
        + s.getInt(Settings.PAIR_CAP);
  }

  /** Why the rollups must be rebuilt from bronze, or null when the days just ingested suffice. */
  private static String rebuildReason(Warehouse warehouse, boolean fullRecompute, String wanted) {
    if (fullRecompute) {
      return "--full-recompute";
    }
    boolean anyRolledUp = false;
    for (var rollup : ROLLUP_TABLES) {
      String table = rollup.getKey();
      if (!warehouse.exists(table)) {
        if (anyRolledUp) {
          return "the rollup table " + table + " is missing (an older release, or removed)";
        }
        continue;
      }
      anyRolledUp = true;
      String built = warehouse.properties(table).get(ROLLUP_SETTINGS_PROPERTY);
      if (!wanted.equals(built)) {
        return built == null
            ? "the rollups do not record the settings they were built with (an older release)"
            : "the rollup settings changed from " + built + " to " + wanted;
      }
    }
    return null;
  }

  /** The scoring and publishing of one run date from the rollups in its window. */
  public static void scoreAndPublish(
      SparkSession spark, RunConfig config, Warehouse warehouse, RunMetrics metrics) {
    Settings s = config.settings();
    Date runDate = Date.valueOf(config.runDate());
    Date start = Date.valueOf(config.windowStart());
    Dataset<Row> payouts =
        warehouse.exists(InputTable.PAYOUT_METHODS.folder())
            ? warehouse.read(InputTable.PAYOUT_METHODS.folder())
            : spark.createDataFrame(List.of(), Schemas.BRONZE_PAYOUT_METHODS);
    Dataset<Row> decisions =
        warehouse.exists(InputTable.DECISIONS.folder())
            ? warehouse.read(InputTable.DECISIONS.folder())
            : null;
    if (decisions != null) {
      metrics.stage(
          spark, "feedback", () -> recordFlagPrecision(warehouse, metrics, decisions, runDate));
    }
    Detection.Input input =
        new Detection.Input(
            warehouse
                .read(TableNames.ATTRIBUTE_DAILY)
                .filter(col(Cols.EVENT_DATE).between(start, runDate)),
            warehouse
                .read(TableNames.CO_LOGIN_MEETINGS)
                .filter(col(Cols.EVENT_DATE).between(start, runDate)),
            warehouse.exists(InputTable.IP_INTEL.folder())
                ? warehouse.read(InputTable.IP_INTEL.folder())
                : null,
            payouts,
            warehouse.read(InputTable.ACCOUNTS.folder()),
            previousMembers(spark, warehouse, config.runDate()),
            config.runDate(),
            s,
            decisions,
            config.windowStart(),
            loadModel(spark, s.get(Settings.MODEL_FILE)));
    Detection.Stages timed =
        new Detection.Stages() {
          @Override
          public <T> T stage(String name, java.util.function.Supplier<T> body) {
            return metrics.stage(spark, name, body);
          }
        };
    // Closing the output frees the steps' materialised results, whether or not publishing worked.
    try (Detection.Output out = Detection.run(spark, input, timed)) {
      // Publish order: evidence and members first, account_risk (what moderation reads) last; each
      // is one atomic Delta commit replacing this run date's rows.
      metrics.stage(
          spark,
          "publish",
          () -> {
            Where thisRun = Where.equal(Cols.RUN_DATE, config.runDate());
            String commit = ChangeFeed.commitMetadata(config.runDate(), metrics.runId());
            publish(
                warehouse,
                metrics,
                TableNames.LINK_EVIDENCE,
                Schemas.LINK_EVIDENCE,
                out.linkEvidence(),
                thisRun,
                commit);
            publish(
                warehouse,
                metrics,
                TableNames.CLUSTER_MEMBERS,
                Schemas.CLUSTER_MEMBERS,
                out.clusterMembers(),
                thisRun,
                commit);
            publish(
                warehouse,
                metrics,
                TableNames.CLUSTER_RISK,
                Schemas.CLUSTER_RISK,
                out.clusterRisk(),
                thisRun,
                commit);
            publish(
                warehouse,
                metrics,
                TableNames.ACCOUNT_RISK,
                Schemas.ACCOUNT_RISK,
                out.accountRisk(),
                thisRun,
                commit);
          });
    }
  }

  private static void publish(
      Warehouse warehouse,
      RunMetrics metrics,
      String table,
      org.apache.spark.sql.types.StructType schema,
      Dataset<Row> rows,
      Where predicate,
      String commitMetadata) {
    warehouse.ensure(table, schema, Cols.RUN_DATE);
    warehouse.replaceWhere(table, schema, rows, predicate, commitMetadata);
    Warehouse.Commit commit = warehouse.lastCommit(table);
    metrics.recordWritten(table, commit.outputRows());
    metrics.recordPublished(table, commit.version());
  }

  /**
   * The precision of past flags against the review decisions known on this run date: one small
   * aggregate over the high and critical rows of earlier run dates.
   */
  private static void recordFlagPrecision(
      Warehouse warehouse, RunMetrics metrics, Dataset<Row> decisions, Date runDate) {
    if (!warehouse.exists(TableNames.ACCOUNT_RISK)) {
      metrics.recordFlagPrecision(0, 0);
      return;
    }
    Row r =
        Feedback.flagPrecision(
                warehouse
                    .read(TableNames.ACCOUNT_RISK)
                    .filter(col(Cols.RUN_DATE).lt(lit(runDate)))
                    .select(Cols.RUN_DATE, Cols.ACCOUNT_ID, Cols.RISK_TIER),
                Feedback.latestDecisions(decisions, runDate.toLocalDate()))
            .first();
    metrics.recordFlagPrecision(r.getLong(0), r.getLong(1));
  }

  /** The model artefact named by {@code model.file} (any Hadoop path), or the jar's own. */
  static RiskModel loadModel(SparkSession spark, String file) {
    if (file == null || file.isBlank()) {
      return RiskModel.resource(RiskModel.EMBEDDED);
    }
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
    try (java.io.InputStream in =
        path.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(path)) {
      return RiskModel.parse(
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new com.cohortwatch.CohortWatchException(
          "cannot read model.file " + file + ": " + e.getMessage());
    }
  }

  /** cluster_members of the newest run before this date (empty on the first night). */
  static Dataset<Row> previousMembers(SparkSession spark, Warehouse warehouse, LocalDate runDate) {
    if (!warehouse.exists(TableNames.CLUSTER_MEMBERS)) {
      return spark.createDataFrame(List.of(), Schemas.CLUSTER_MEMBERS);
    }
    Dataset<Row> all = warehouse.read(TableNames.CLUSTER_MEMBERS);
    Row newest =
        all.filter(col(Cols.RUN_DATE).lt(lit(Date.valueOf(runDate))))
            .agg(max(Cols.RUN_DATE))
            .first();
    if (newest.isNullAt(0)) {
      return all.limit(0);
    }
    return all.filter(col(Cols.RUN_DATE).equalTo(lit(newest.getDate(0))));
  }
}
