package com.cohortwatch.detect;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.cohortwatch.testing.SharedSpark;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Group totals of doubles that do not depend on the order the rows arrive in. */
class ExactSumsTest {
  private static Dataset<Row> values(List<Double> xs) {
    // one partition: Spark adds the rows in list order
    return SharedSpark.spark().createDataset(xs, Encoders.DOUBLE()).toDF("x").coalesce(1);
  }

  private static Row totals(List<Double> xs) {
    return values(xs)
        .agg(
            sum(col("x")).as("plain"),
            ExactSums.sum(col("x")).as("exact"),
            ExactSums.avg(col("x")).as("mean"))
        .first();
  }

  @Test
  void theOrderOfTheRowsDoesNotChangeTheTotal() {
    Row forward = totals(List.of(0.1, 0.2, 0.3));
    Row backward = totals(List.of(0.3, 0.2, 0.1));
    // the premise: a plain double sum does depend on the order
    assertThat(forward.getDouble(0)).isNotEqualTo(backward.getDouble(0));
    assertThat(forward.getDouble(1)).isEqualTo(backward.getDouble(1)).isEqualTo(0.6);
    assertThat(forward.getDouble(2)).isEqualTo(backward.getDouble(2)).isCloseTo(0.2, within(1e-15));
  }

  @Test
  void nullsAreSkippedAndAllNullsGiveNull() {
    Dataset<Row> rows =
        SharedSpark.spark()
            .sql("SELECT * FROM VALUES ('a', 0.5D), ('a', NULL), ('b', NULL) AS t(g, x)");
    List<String> got =
        rows
            .groupBy("g")
            .agg(ExactSums.sum(col("x")).as("s"), ExactSums.avg(col("x")).as("m"))
            .orderBy("g")
            .collectAsList()
            .stream()
            .map(r -> r.getString(0) + "=" + r.get(1) + "/" + r.get(2))
            .collect(Collectors.toList());
    assertThat(got).containsExactly("a=0.5/0.5", "b=null/null");
  }
}
