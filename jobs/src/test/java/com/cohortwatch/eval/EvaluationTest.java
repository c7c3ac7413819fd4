package com.cohortwatch.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.cohortwatch.testing.SharedSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class EvaluationTest {
  @Test
  void figuresFromAHandMadeRanking() {
    var spark = SharedSpark.spark();
    StructType truthSchema =
        new StructType()
            .add("account_id", "string")
            .add("label", "string")
            .add("group_id", "string")
            .add("kind", "string");
    Dataset<Row> truth =
        spark.createDataFrame(
            List.of(
                RowFactory.create("o1", "operator", "ring-1", "blatant"),
                RowFactory.create("o2", "operator", "ring-1", "blatant"),
                RowFactory.create("b1", "benign", "", "campus"),
                RowFactory.create("b2", "benign", "", "ordinary"),
                RowFactory.create("b3", "benign", "", "ordinary")),
            truthSchema);
    StructType riskSchema =
        new StructType()
            .add("account_id", "string")
            .add("risk_score", "double")
            .add("risk_tier", "string");
    // Ranking: o1 (0.9), b1 (0.8, flagged), o2 (0.7, flagged), b2 (0.1); b3 was not scored.
    Dataset<Row> risk =
        spark.createDataFrame(
            List.of(
                RowFactory.create("o1", 0.9, "critical"),
                RowFactory.create("b1", 0.8, "high"),
                RowFactory.create("o2", 0.7, "high"),
                RowFactory.create("b2", 0.1, "low")),
            riskSchema);
    Evaluation.Report r = Evaluation.evaluate(truth, risk);
    assertThat(r.averagePrecision()).isCloseTo((1.0 + 2.0 / 3) / 2, within(1e-9));
    assertThat(r.precisionAtFlagged()).isCloseTo(2.0 / 3, within(1e-9));
    assertThat(r.recallAtFlagged()).isEqualTo(1.0);
    assertThat(r.benignFalsePositiveRate().get("campus")[0]).isEqualTo(1.0);
    assertThat(r.benignFalsePositiveRate().get("ordinary")[0]).isEqualTo(0.0);
    assertThat(r.ringsRecovered()).isEqualTo(1);
    assertThat(r.format()).contains("average_precision 0.8333");
  }
}
