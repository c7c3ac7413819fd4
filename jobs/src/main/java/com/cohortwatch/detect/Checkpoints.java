package com.cohortwatch.detect;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.LogicalRDD;

/**
 * The steps' results that later steps read several times, materialised once on the executors and
 * freed together when the night has published them.
 *
 * <p>A local checkpoint rather than a cache: later plans reuse the same inputs through many joins,
 * and an uncut plan grows with every reuse until the analyser spends minutes on it. A checkpoint's
 * blocks belong to the RDD under the returned Dataset, not to Spark's cache manager, so {@code
 * Dataset.unpersist} does not free them; {@link #release} unpersists those RDDs.
 */
public final class Checkpoints {
  private final List<RDD<?>> kept = new ArrayList<>();

  /** {@code rows} computed now and read from the executors' blocks by every later plan. */
  Dataset<Row> keep(Dataset<Row> rows) {
    Dataset<Row> materialised = rows.localCheckpoint(true);
    if (materialised.logicalPlan() instanceof LogicalRDD plan) {
      kept.add(plan.rdd());
    }
    return materialised;
  }

  /** Frees every kept block; a Dataset kept here must not be read afterwards. */
  void release() {
    kept.forEach(rdd -> rdd.unpersist(false));
    kept.clear();
  }

  /** How many results are held (for tests). */
  int size() {
    return kept.size();
  }
}
