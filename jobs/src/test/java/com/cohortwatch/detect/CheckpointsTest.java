package com.cohortwatch.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohortwatch.testing.SharedSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.LogicalRDD;
import org.junit.jupiter.api.Test;

/**
 * A kept step's blocks stay on the executors until {@link Checkpoints#release}: {@code
 * Dataset.unpersist}, which the detect stage used to call, leaves them there.
 */
class CheckpointsTest {
  @Test
  void releaseFreesTheBlocksThatUnpersistLeaves() {
    SparkSession spark = SharedSpark.spark();
    Checkpoints kept = new Checkpoints();
    Dataset<Row> twice = kept.keep(spark.range(1000).selectExpr("id", "id * 2 AS twice"));
    int rdd = ((LogicalRDD) twice.logicalPlan()).rdd().id();
    assertThat(twice.count()).isEqualTo(1000);
    assertThat(persisted(spark, rdd)).isTrue();

    twice.unpersist(true);
    assertThat(persisted(spark, rdd)).as("after Dataset.unpersist").isTrue();

    kept.release();
    assertThat(persisted(spark, rdd)).as("after release").isFalse();
    assertThat(kept.size()).isZero();
  }

  private static boolean persisted(SparkSession spark, int rddId) {
    return spark.sparkContext().getPersistentRDDs().contains(rddId);
  }
}
