package com.cohortwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohortwatch.CohortWatchException;
import com.cohortwatch.schema.Cols;
import com.cohortwatch.schema.ModelInputs;
import com.cohortwatch.testing.SharedSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The shipped artefact loads, names every input, and scores accounts as the product promises. */
class RiskModelTest {
  private static final RiskModel SHIPPED = RiskModel.resource(RiskModel.EMBEDDED);

  @Test
  void theShippedArtefactNamesEveryInputAndAVersion() {
    assertThat(SHIPPED.version()).isNotBlank();
    assertThat(SHIPPED.coefficients().keySet())
        .containsExactlyInAnyOrderElementsOf(ModelInputs.NAMES);
    assertThat(RiskModel.resource(RiskModel.HAND_SET).version()).isEqualTo("cw-hand-2.0");
  }

  @Test
  void aBrokenArtefactFailsWithOneClearLine() {
    assertThatThrownBy(() -> RiskModel.parse("{\"model_version\":\"x\",\"intercept\":1}"))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("coefficients");
    assertThatThrownBy(
            () ->
                RiskModel.parse(
                    "{\"model_version\":\"x\",\"intercept\":1,\"coefficients\":{\"own_foo\":1}}"))
        .isInstanceOf(CohortWatchException.class)
        .hasMessageContaining("no coefficient");
  }

  /** One account in no cluster, scored by the shipped model. */
  private static Row singleton(
      long logins, long anon, long foreign, long nonAnonKnown, long home, double tz) {
    SparkSession spark = SharedSpark.spark();
    StructType features =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Cols.LOGINS, "long")
            .add(Features.ANON_LOGINS, "long")
            .add(Features.FOREIGN_LOGINS, "long")
            .add(Features.NONANON_KNOWN_LOGINS, "long")
            .add(Features.HOME_LOGINS, "long")
            .add(Features.TZ_MISMATCH, "double")
            .add(Features.BEST_FIT, "double")
            .add(Features.BEST_OFFSET, "int")
            .add(Features.CLAIMED_OFFSET, "int")
            .add(Cols.CLAIMED_TIMEZONE, "string")
            .add(Cols.CLAIMED_COUNTRY, "string");
    Dataset<Row> account =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    "a1",
                    logins,
                    anon,
                    foreign,
                    nonAnonKnown,
                    home,
                    tz,
                    0.95,
                    9,
                    -5,
                    "America/New_York",
                    "US")),
            features);
    StructType clusterOf =
        new StructType()
            .add(Cols.ACCOUNT_ID, "string")
            .add(Cols.CLUSTER_ID, "string")
            .add(Scoring.ATTACHMENT, "double");
    StructType clusters =
        new StructType()
            .add(Cols.CLUSTER_ID, "string")
            .add(Scoring.MODEL_INPUTS, ModelInputs.SCHEMA)
            .add(Scoring.LOGIT, "double")
            .add(Scoring.MODEL_LOGIT, "double")
            .add(Cols.REASONS, DataTypes.createArrayType(com.cohortwatch.schema.Schemas.REASON));
    return Scoring.scoreAccounts(
            account,
            spark.createDataFrame(List.of(), clusterOf),
            spark.createDataFrame(List.of(), clusters),
            SHIPPED)
        .select(Cols.RISK_SCORE)
        .first();
  }

  @Test
  void overwhelmingOwnEvidenceReachesHighOutsideAnyCluster() {
    // a UTC+9 shift claiming New York, 88 % of logins through VPN or hosting, the rest abroad
    assertThat(singleton(100, 88, 12, 12, 0, 1.0).getDouble(0)).isGreaterThanOrEqualTo(0.6);
  }

  @Test
  void anHonestNightShiftFreelancerAtHomeStaysBelowHigh() {
    // the same far shift, but every login from ordinary networks in the country she claims
    assertThat(singleton(100, 0, 0, 100, 100, 1.0).getDouble(0)).isLessThan(0.6);
  }
}
