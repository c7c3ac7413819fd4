package com.cohortwatch.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import com.cohortwatch.config.RunConfig;
import com.cohortwatch.config.Settings;
import com.cohortwatch.detect.Detection;
import com.cohortwatch.detect.Feedback;
import com.cohortwatch.detect.RiskModel;
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
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Detection of one run date: its inputs read from the warehouse (the window's rollups, the snapshot
 * tables, last night's clusters), {@link Detection#run}, and the publish of the four gold tables.
 */
public final class DetectStage {
  private DetectStage() {}

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
