package com.cohortwatch.detect;

import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.ModelInputs;
import com.cohortwatch.schema.Schemas;
import com.cohortwatch.testing.SharedSpark;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Scores one hand-made account in no cluster, for the scoring and reason tests. */
final class SingletonScoring {
  private SingletonScoring() {}

  /**
   * @return reasons and risk_score of an account claiming America/New_York (UTC-5) in the US whose
   *     best working-hours offset is UTC+9 at {@code bestFit}, and that changed hands on {@code
   *     handover} (null: it did not)
   */
  static Row score(
      RiskModel model,
      long logins,
      long anon,
      long foreign,
      long nonAnonKnown,
      long home,
      double tzMismatch,
      double bestFit,
      java.sql.Date handover) {
    SparkSession spark = SharedSpark.spark();
    StructType features =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Cols.LOGINS, "long")
            .add(Features.ANON_LOGINS, "long")
            .add(Features.FOREIGN_LOGINS, "long")
            .add(Features.NONANON_KNOWN_LOGINS, "long")
            .add(Features.HOME_LOGINS, "long")
            .add(Cols.TZ_MISMATCH, "double")
            .add(Features.BEST_FIT, "double")
            .add(Features.BEST_OFFSET, "int")
            .add(Features.CLAIMED_OFFSET, "int")
            .add(Cols.CLAIMED_TIMEZONE, "string")
            .add(Cols.CLAIMED_COUNTRY, "string")
            .add(Features.HANDOVER_DATE, "date");
    Row account =
        RowFactory.create(
            "a1",
            logins,
            anon,
            foreign,
            nonAnonKnown,
            home,
            tzMismatch,
            bestFit,
            9,
            -5,
            "America/New_York",
            "US",
            handover);
    StructType clusterOf =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Cols.CLUSTER_ID, "string")
            .add(Scoring.ATTACHMENT, "double")
            .add(Scoring.IN_BURST, "double")
            .add(Scoring.ON_SHIFT, "double")
            .add(Scoring.SHARES_DEVICE, "double")
            .add(Scoring.SHARES_PAYOUT, "double");
    StructType clusters =
        new StructType()
            .add(Cols.CLUSTER_ID, "string")
            .add(Scoring.MODEL_INPUTS, ModelInputs.SCHEMA)
            .add(Scoring.LOGIT, "double")
            .add(Scoring.MODEL_LOGIT, "double")
            .add(Cols.REASONS, DataTypes.createArrayType(Schemas.REASON));
    return Scoring.scoreAccounts(
            spark.createDataFrame(List.of(account), features),
            spark.createDataFrame(List.of(), clusterOf),
            spark.createDataFrame(List.of(), clusters),
            model)
        .select(Cols.REASONS, Cols.RISK_SCORE)
        .first();
  }
}
